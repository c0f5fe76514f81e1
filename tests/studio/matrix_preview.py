"""Matrix rows of the studio preview pages (see tests/studio/matrix.py).

Authors and staff preview the published seed series and the matrix world's draft, which
learners cannot open; everyone else is refused the same way as on every studio page.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.test_url_matrix import (
    MODULE_ONE,
    READING,
    SERIES_SLUG,
    VIDEO_ONE,
    Case,
    Expect,
    World,
    signed_in,
)

DRAFT_MODULE = "matrix-module"


def studio_only(ok: Expect) -> dict[str, Expect]:
    """Login for anonymous users, 403 for learners and supervisors, ``ok`` for authors and staff."""
    return signed_in(403, author=ok, staff=ok)


def _seed(**slugs: str) -> Callable[[World], dict]:
    return lambda w: {"series_slug": SERIES_SLUG, **slugs}


def _draft(**slugs: str) -> Callable[[World], dict]:
    return lambda w: {"series_slug": w.values["draft_series_slug"], **slugs}


def _video_only() -> list[Case]:
    """A video's own files (its stream, its captions) reach authors; a reading has none."""
    return [
        Case(
            studio_only(200),
            _seed(module_slug=MODULE_ONE, component_slug=VIDEO_ONE),
            label="video",
        ),
        Case(
            studio_only(404),
            _seed(module_slug=MODULE_ONE, component_slug=READING),
            label="reading",
        ),
    ]


MATRIX: dict[str, list[Case]] = {
    "studio:preview-series": [
        Case(studio_only(200), _seed(), label="published"),
        Case(studio_only(200), _draft(), label="draft"),
        Case(studio_only(404), lambda w: {"series_slug": "no-such-series"}, label="unknown"),
    ],
    "studio:preview-module": [
        Case(studio_only(200), _seed(module_slug=MODULE_ONE), label="published"),
        Case(studio_only(200), _draft(module_slug=DRAFT_MODULE), label="draft"),
    ],
    "studio:preview-component": [
        Case(
            studio_only(200),
            _seed(module_slug=MODULE_ONE, component_slug=READING),
            label="reading",
        ),
        Case(
            studio_only(200),
            _seed(module_slug=MODULE_ONE, component_slug=VIDEO_ONE),
            label="video",
        ),
        Case(
            studio_only(200),
            _draft(module_slug=DRAFT_MODULE, component_slug="matrix-quiz"),
            label="draft-quiz",
        ),
        Case(
            studio_only(200),
            _draft(module_slug=DRAFT_MODULE, component_slug="matrix-survey"),
            label="draft-survey",
        ),
    ],
    # The video streams to authors, with or without an enrolment; nothing else has media.
    "studio:preview-media": _video_only(),
    # So do its captions; nothing else has them.
    "studio:preview-captions": _video_only(),
}
