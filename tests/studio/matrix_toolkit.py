"""Matrix rows of the studio toolkit pages (see tests/studio/matrix.py).

The resource is the seed's “NCMEC support” sheet, which a component of the seed series opens.
Every POST lands back on the resource's row of the studio toolkit page (retiring, restoring
an already listed one, queuing a check that the rolled-back savepoint never sends).
"""

from __future__ import annotations

from tests.test_url_matrix import Case, Expect, Redirect, World, signed_in
from toolkit.models import Resource

RESOURCE_SLUG = "ncmec-support-for-csam-survivors-and-their-families"
RESOURCE_ROW = Redirect("/studio/toolkit/#resource-{resource_id}")


def studio_only(ok: Expect) -> dict[str, Expect]:
    """Login for anonymous users, 403 for learners and supervisors, ``ok`` for authors and staff."""
    return signed_in(403, author=ok, staff=ok)


def resource_kwargs(w: World) -> dict:
    return {"resource_id": Resource.objects.get(slug=RESOURCE_SLUG).pk}


MATRIX: dict[str, list[Case]] = {
    "studio:toolkit": [
        Case(studio_only(200)),
        Case(studio_only(200), label="search", query="q=ncmec&folder=csam&state=retired"),
    ],
    "studio:resource-new": [
        Case(studio_only(200)),
        # Nothing filled in: the form again, with its errors; nothing saved.
        Case(studio_only(200), label="empty form", method="post"),
    ],
    "studio:resource-edit": [
        Case(studio_only(200), resource_kwargs),
        Case(studio_only(200), resource_kwargs, label="empty form", method="post"),
    ],
    "studio:resource-retire": [Case(studio_only(RESOURCE_ROW), resource_kwargs, method="post")],
    "studio:resource-restore": [Case(studio_only(RESOURCE_ROW), resource_kwargs, method="post")],
    "studio:resource-check": [Case(studio_only(RESOURCE_ROW), resource_kwargs, method="post")],
}
