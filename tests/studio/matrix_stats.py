"""Matrix rows of the studio stats pages (see tests/studio/matrix.py).

The statistics of the seed reading (learners in varied states) and of the matrix world's draft
quiz and survey (nobody has taken them): authors and staff get the page, learners and
supervisors 403, anonymous users the login page.
"""

from __future__ import annotations

from courses.models import Component
from tests.test_url_matrix import MODULE_ONE, READING, Case, Expect, World, signed_in


def studio_only(ok: Expect) -> dict[str, Expect]:
    """Login for anonymous users, 403 for learners and supervisors, ``ok`` for authors and staff."""
    return signed_in(403, author=ok, staff=ok)


def reading_kwargs(w: World) -> dict:
    reading = Component.objects.get(module__series=w.series, module__slug=MODULE_ONE, slug=READING)
    return {"component_id": reading.pk}


def quiz_kwargs(w: World) -> dict:
    return {"component_id": w.values["quiz_id"]}


def survey_kwargs(w: World) -> dict:
    return {"component_id": w.values["survey_id"]}


MATRIX: dict[str, list[Case]] = {
    "studio:component-stats": [
        Case(studio_only(200), reading_kwargs),
        Case(studio_only(200), quiz_kwargs, label="quiz"),
        Case(studio_only(200), survey_kwargs, label="survey"),
    ],
}
