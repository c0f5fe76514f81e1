"""The studio's rows of the role-by-URL matrix (tests/test_url_matrix.py merges them).

Imported by test_url_matrix once its primitives exist. Every studio page: anonymous users go to
sign in, learners and supervisors get 403, authors and staff get the page. Each request of the
matrix runs in a savepoint that is rolled back, so a POST here never changes the next case.
"""

from __future__ import annotations

from collections.abc import Callable

from courses.models import Component, Module
from tests.studio import matrix_preview, matrix_questions, matrix_stats, matrix_toolkit
from tests.test_url_matrix import (
    MODULE_ONE,
    READING,
    SERIES_SLUG,
    Case,
    Expect,
    Redirect,
    World,
    signed_in,
)

STUDIO_SERIES = f"/studio/series/{SERIES_SLUG}/"


def studio_only(ok: Expect) -> dict[str, Expect]:
    """Login for anonymous users, 403 for learners and supervisors, ``ok`` for authors and staff."""
    return signed_in(403, author=ok, staff=ok)


def series_kwargs(w: World) -> dict:
    return {"series_slug": SERIES_SLUG}


def module_kwargs(w: World) -> dict:
    return {"module_id": Module.objects.get(series=w.series, slug=MODULE_ONE).pk}


def component_kwargs(w: World) -> dict:
    reading = Component.objects.get(module__series=w.series, module__slug=MODULE_ONE, slug=READING)
    return {"component_id": reading.pk}


def quiz_kwargs(w: World) -> dict:
    """The seed has no quiz: the matrix world adds one (see test_url_matrix._build_world)."""
    return {"component_id": w.values["quiz_id"]}


K = Callable[[World], dict]

CORE: dict[str, list[Case]] = {
    "studio:index": [Case(studio_only(200))],
    "studio:series-new": [Case(studio_only(200))],
    "studio:series-detail": [Case(studio_only(200), series_kwargs)],
    "studio:series-edit": [Case(studio_only(200), series_kwargs)],
    # No status chosen: told so, back on the series page.
    "studio:series-status": [
        Case(studio_only(Redirect(STUDIO_SERIES)), series_kwargs, method="post")
    ],
    "studio:module-new": [Case(studio_only(200), series_kwargs)],
    # An empty order does not match the modules: refused, back on the series page.
    "studio:modules-reorder": [
        Case(studio_only(Redirect(STUDIO_SERIES)), series_kwargs, method="post")
    ],
    "studio:module-edit": [Case(studio_only(200), module_kwargs)],
    "studio:module-move": [
        Case(
            studio_only(Redirect(STUDIO_SERIES + "#module-{module_id}")),
            module_kwargs,
            method="post",
        )
    ],
    "studio:module-delete": [Case(studio_only(200), module_kwargs)],
    "studio:component-new": [Case(studio_only(200), module_kwargs)],
    "studio:components-reorder": [
        Case(
            studio_only(Redirect(STUDIO_SERIES + "#module-{module_id}")),
            module_kwargs,
            method="post",
        )
    ],
    "studio:component-edit": [Case(studio_only(200), component_kwargs)],
    "studio:component-move": [
        Case(
            studio_only(Redirect(STUDIO_SERIES + "#component-{component_id}")),
            component_kwargs,
            method="post",
        )
    ],
    "studio:component-delete": [Case(studio_only(200), component_kwargs)],
}

STUDIO: dict[str, list[Case]] = {
    **CORE,
    **matrix_questions.MATRIX,
    **matrix_preview.MATRIX,
    **matrix_stats.MATRIX,
    **matrix_toolkit.MATRIX,
}
