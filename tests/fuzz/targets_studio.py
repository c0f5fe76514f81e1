"""The author's studio: series, modules, components of every kind, questions and their choices,
orders (JSON, form and htmx), moves, removals, publishing, and the toolkit."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from courses.models import Component, Module, Series
from tests.fuzz.strategies import (
    Body,
    FieldSpec,
    hostile_number,
    json_body,
    json_values,
    raw_json_bodies,
    urlencoded,
)
from tests.fuzz.target import Specs, Target, huge, url, writes
from tests.fuzz.world import FuzzWorld
from tests.test_url_matrix import MODULE_ONE, SERIES_SLUG

CONTENT = writes("courses.*", "toolkit.*")
TOOLKIT = writes("toolkit.*")
KINDS = [kind for kind, _label in Component.Kind.choices]
DIRECTION = FieldSpec("direction", "choice", choices=("up", "down"), required=True)
STATUS = FieldSpec("status", "choice", choices=tuple(Series.Status.values), required=True)


def _seed_module(world: FuzzWorld) -> Module:
    return Module.objects.get(series__slug=SERIES_SLUG, slug=MODULE_ONE)


def _series_urls(name: str):
    def others(world: FuzzWorld) -> list[str]:
        return [
            url(name, series_slug=SERIES_SLUG),
            url(name, series_slug=world.open_series.slug),
            url(name, series_slug=str(world.matrix.values["draft_series_slug"])),
            url(name, series_slug="no-such-series"),
        ]

    return others


def _module_urls(name: str):
    def others(world: FuzzWorld) -> list[str]:
        return [
            url(name, module_id=_seed_module(world).pk),  # learners' records in it
            url(name, module_id=world.modules["everything"].pk),
            url(name, module_id=world.matrix.values["draft_module_id"]),
            url(name, module_id=10**9),
            huge(name, "module_id"),
        ]

    return others


def _component_urls(name: str):
    def others(world: FuzzWorld) -> list[str]:
        reading = _seed_module(world).components.get(kind="document")
        return [
            *(url(name, component_id=c.pk) for c in world.components.values()),
            url(name, component_id=reading.pk),
            url(name, component_id=10**9),
            huge(name, "component_id"),
        ]

    return others


def _question_urls(name: str):
    def others(world: FuzzWorld) -> list[str]:
        values = world.matrix.values
        return [
            *(url(name, question_id=q.pk) for q in world.questions.values()),
            url(name, question_id=values["quiz_question_id"]),
            url(name, question_id=10**9),
            huge(name, "question_id"),
        ]

    return others


# --- Orders: {"order": [ids]} as JSON, or ``order`` fields (a plain form, or htmx) ----------


def _order_bodies(ids: list[int]) -> st.SearchStrategy[Body]:
    good = st.permutations(ids)
    some = st.one_of(
        good,
        st.lists(st.sampled_from(ids) | st.integers(), max_size=len(ids) + 2),
        json_values,
        st.lists(hostile_number(), max_size=4),
    )
    as_form = st.one_of(
        good.map(lambda v: [str(i) for i in v]), st.lists(hostile_number(), max_size=4)
    )
    htmx = (("HX-Request", "true"),)
    return st.one_of(
        some.map(lambda order: json_body({"order": order})),
        good.map(lambda order: json_body({"order": order})),
        st.dictionaries(st.text(max_size=6), json_values, max_size=3).map(json_body),
        raw_json_bodies(),
        as_form.map(lambda values: urlencoded([("order", v) for v in values])),
        as_form.map(
            lambda values: Body(
                urlencoded([("order", v) for v in values]).content,
                "application/x-www-form-urlencoded",
                htmx,
            )
        ),
    )


def _module_order(world: FuzzWorld, specs: Specs) -> st.SearchStrategy[Body]:
    return _order_bodies(list(world.series.modules.live().values_list("pk", flat=True)))


def _component_order(world: FuzzWorld, specs: Specs) -> st.SearchStrategy[Body]:
    module = world.modules["everything"]
    return _order_bodies(list(module.components.unarchived().values_list("pk", flat=True)))


# --- Forms whose fields the page shows -----------------------------------------------------


def _new_component(kind: str) -> Target:
    return Target(
        "studio:component-new",
        "author",
        lambda w: url("studio:component-new", module_id=w.modules["second"].pk) + f"?kind={kind}",
        label=kind,
        others=lambda w: [
            url("studio:component-new", module_id=w.modules["second"].pk),  # no kind: 200
            url("studio:component-new", module_id=w.modules["second"].pk) + "?kind=\x00",
            url("studio:component-new", module_id=_seed_module(w).pk) + f"?kind={kind}",
        ],
        extra_names=("kind", "video_file-clear", "captions_file-clear"),
        examples=30 if kind == "video" else 20,
        writes=CONTENT,
    )


def _edit_component(kind: str) -> Target:
    return Target(
        "studio:component-edit",
        "author",
        lambda w: url("studio:component-edit", component_id=w.components[kind].pk),
        label=kind,
        extra_names=("kind", "video_file-clear", "captions_file-clear", "module"),
        examples=30 if kind == "video" else 20,
        writes=CONTENT,
    )


CHOICE_ROW = re.compile(r"choices-(\d+)-(text|is_correct)$")


def _two_choices(world: FuzzWorld, specs: Specs) -> Specs:
    """A new question's rows as an author fills them (the first right, the second wrong, the
    others blank), mostly: a choice question needs two choices and, in a quiz, one right."""
    shown = {("0", "text"): ("Right answer",), ("0", "is_correct"): ("on",)}
    shown[("1", "text")] = ("Wrong answer",)
    found = []
    for spec in specs:
        row = CHOICE_ROW.match(spec.name)
        if row:
            spec = spec.but(current=shown.get(row.groups(), ()), mostly_as_shown=True)
        found.append(spec)
    return found


def _question_new(kind: str) -> Target:
    return Target(
        "studio:question-new",
        "author",
        lambda w: url("studio:question-new", component_id=w.components[kind].pk),
        label=kind,
        others=lambda w: [
            url("studio:question-new", component_id=w.components["document"].pk),  # 404
            url("studio:question-new", component_id=w.matrix.values[f"{kind}_id"]),
        ],
        fields=_two_choices,
        extra_names=("another",),
        examples=30,
        writes=CONTENT,
    )


def _question_edit(key: str) -> Target:
    return Target(
        "studio:question-edit",
        "author",
        lambda w: url("studio:question-edit", question_id=w.questions[key].pk),
        label=key,
        examples=25,
        writes=CONTENT,
    )


def _resource(key: str):
    def path(world: FuzzWorld) -> str:
        resource = world.resource if key == "listed" else world.retired_resource
        return resource.pk

    return path


def _resource_target(name: str, key: str) -> Target:
    return Target(
        name,
        "author",
        lambda w: url(name, resource_id=_resource(key)(w)),
        label=key,
        others=lambda w: [
            url(name, resource_id=_resource("retired" if key == "listed" else "listed")(w)),
            url(name, resource_id=10**9),
        ],
        form_page=None,
        writes=TOOLKIT,
    )


STUDIO: list[Target] = [
    Target(
        "studio:series-new",
        "author",
        lambda w: url("studio:series-new"),
        examples=25,
        writes=CONTENT,
    ),
    Target(
        "studio:series-edit",
        "author",
        lambda w: url("studio:series-edit", series_slug=w.series.slug),
        others=_series_urls("studio:series-edit"),
        examples=25,
        writes=CONTENT,
    ),
    Target(
        "studio:series-status",
        "author",
        lambda w: url(
            "studio:series-status", series_slug=str(w.matrix.values["draft_series_slug"])
        ),
        others=_series_urls("studio:series-status"),
        form_page=None,
        fields=lambda w, specs: [STATUS],
        writes=CONTENT,
    ),
    Target(
        "studio:module-new",
        "author",
        lambda w: url("studio:module-new", series_slug=w.series.slug),
        others=_series_urls("studio:module-new"),
        examples=25,
        writes=CONTENT,
    ),
    Target(
        "studio:modules-reorder",
        "author",
        lambda w: url("studio:modules-reorder", series_slug=w.series.slug),
        others=_series_urls("studio:modules-reorder"),
        form_page=None,
        body=_module_order,
        examples=25,
        writes=CONTENT,
    ),
    Target(
        "studio:module-edit",
        "author",
        lambda w: url("studio:module-edit", module_id=w.modules["everything"].pk),
        others=_module_urls("studio:module-edit"),
        examples=25,
        writes=CONTENT,
    ),
    Target(
        "studio:module-move",
        "author",
        lambda w: url("studio:module-move", module_id=w.modules["second"].pk),
        others=_module_urls("studio:module-move"),
        form_page=None,
        fields=lambda w, specs: [DIRECTION],
        writes=CONTENT,
    ),
    Target(
        "studio:module-delete",
        "author",
        lambda w: url("studio:module-delete", module_id=w.modules["second"].pk),
        others=_module_urls("studio:module-delete"),
        form_page=None,
        writes=CONTENT,
    ),
    *(_new_component(kind) for kind in KINDS),
    Target(
        "studio:components-reorder",
        "author",
        lambda w: url("studio:components-reorder", module_id=w.modules["everything"].pk),
        others=_module_urls("studio:components-reorder"),
        form_page=None,
        body=_component_order,
        examples=25,
        writes=CONTENT,
    ),
    *(_edit_component(kind) for kind in KINDS),
    Target(
        "studio:component-move",
        "author",
        lambda w: url("studio:component-move", component_id=w.components["quiz"].pk),
        others=_component_urls("studio:component-move"),
        form_page=None,
        fields=lambda w, specs: [DIRECTION],
        writes=CONTENT,
    ),
    Target(
        "studio:component-delete",
        "author",
        lambda w: url("studio:component-delete", component_id=w.components["certificate"].pk),
        others=_component_urls("studio:component-delete"),
        form_page=None,
        writes=CONTENT,
    ),
    _question_new("quiz"),
    _question_new("survey"),
    _question_edit("quiz-single"),
    _question_edit("quiz-multiple"),
    _question_edit("survey-likert"),
    _question_edit("survey-multiple"),
    Target(
        "studio:question-delete",
        "author",
        lambda w: url("studio:question-delete", question_id=w.questions["survey-text"].pk),
        others=_question_urls("studio:question-delete"),
        form_page=None,
        writes=CONTENT,
    ),
    Target(
        "studio:question-move",
        "author",
        lambda w: url("studio:question-move", question_id=w.questions["quiz-multiple"].pk),
        others=_question_urls("studio:question-move"),
        form_page=None,
        fields=lambda w, specs: [DIRECTION],
        writes=CONTENT,
    ),
    Target(
        "studio:resource-new",
        "author",
        lambda w: url("studio:resource-new"),
        examples=25,
        writes=TOOLKIT,
    ),
    Target(
        "studio:resource-edit",
        "author",
        lambda w: url("studio:resource-edit", resource_id=w.resource.pk),
        others=lambda w: [url("studio:resource-edit", resource_id=w.retired_resource.pk)],
        examples=25,
        writes=TOOLKIT,
    ),
    _resource_target("studio:resource-retire", "listed"),
    _resource_target("studio:resource-restore", "retired"),
    _resource_target("studio:resource-check", "listed"),
]
