"""The learner's endpoints: enrol, advisories, progress (form and JSON), quizzes, surveys, the
profile, email preferences and the signed unsubscribe link."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import strategies as st

from courses.models import Component, Question
from reminders.sending import unsubscribe_token
from tests.fuzz.strategies import (
    Body,
    FieldSpec,
    form_bodies,
    form_pairs,
    json_body,
    json_values,
    raw_json_bodies,
    weighted,
)
from tests.fuzz.target import Specs, Target, url, writes
from tests.fuzz.world import FuzzWorld
from tests.test_url_matrix import MODULE_ONE, SERIES_SLUG

PROGRESS_WRITES = writes("courses.*", "certificates.*", "reminders.*")


def _component_url(name: str, component: Component) -> str:
    return url(name, **component.url_kwargs())


def _component(kind: str, name: str):
    return lambda w: _component_url(name, w.components[kind])


def _every_component(name: str):
    return lambda w: [_component_url(name, c) for c in w.components.values()]


# --- Progress: a document's form, a video's JSON heartbeat --------------------------------

_numbers = st.one_of(
    st.integers(min_value=-5, max_value=20),
    st.floats(min_value=-1, max_value=30),
    st.integers(min_value=10**17, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
)
_pairs = st.one_of(
    st.lists(st.tuples(_numbers, _numbers).map(list), max_size=6),
    st.lists(st.lists(_numbers, max_size=3), max_size=4),
    st.integers(min_value=499, max_value=520).map(lambda n: [[0, 1]] * n),
    json_values,
)
_heartbeats = st.fixed_dictionaries(
    {},
    optional={
        "watched": _pairs,
        "position": st.one_of(_numbers, json_values),
        "order": json_values,
        "extra": json_values,
    },
)


def _progress_bodies(world: FuzzWorld, specs: Specs) -> st.SearchStrategy[Body]:
    form = form_bodies(
        form_pairs(
            [
                FieldSpec("position", "float", min_value=0, max_value=12),
                FieldSpec("watched", "text"),
            ]
        )
    )
    return weighted((2, _heartbeats.map(json_body)), (1, raw_json_bodies()), (1, form))


# --- Quiz and survey answers, named by question ids ----------------------------------------


def _choice_ids(question: Question) -> tuple[str, ...]:
    return tuple(
        str(pk) for pk in question.choices.order_by("position").values_list("pk", flat=True)
    )


def _odd_question_keys(world: FuzzWorld) -> tuple[str, ...]:
    """Keys that look like answers but name no question of this form: huge, negative,
    superscript and other components' ids."""
    return (
        "q" + "9" * 5000,
        "q" + "9" * 30,
        "q\u00b2",
        "q\u0663",
        "q-1",
        "q0",
        "q",
        *(f"q{q.pk}" for q in world.questions.values()),
    )


def _quiz_fields(world: FuzzWorld, specs: Specs) -> Specs:
    single, multiple = world.questions["quiz-single"], world.questions["quiz-multiple"]
    attempt = str(world.attempt.pk)
    return [
        FieldSpec("attempt", "int", current=(attempt,), hidden=True),  # the form's hidden input
        FieldSpec(f"q{single.pk}", "choice", choices=_choice_ids(single), required=True),
        FieldSpec(f"q{multiple.pk}", "multichoice", choices=_choice_ids(multiple), required=True),
    ]


def _survey_fields(world: FuzzWorld, specs: Specs) -> Specs:
    q = world.questions
    return [
        FieldSpec(
            f"q{q['survey-likert'].pk}", "choice", choices=("1", "2", "3", "4", "5"), required=True
        ),
        FieldSpec(f"q{q['survey-text'].pk}", "text", max_length=5000),
        FieldSpec(f"q{q['survey-single'].pk}", "choice", choices=_choice_ids(q["survey-single"])),
        FieldSpec(
            f"q{q['survey-multiple'].pk}",
            "multichoice",
            choices=_choice_ids(q["survey-multiple"]),
            required=True,
        ),
    ]


def _answer_bodies(world: FuzzWorld, specs: Specs) -> st.SearchStrategy[Body]:
    return form_bodies(form_pairs(specs, extra_names=_odd_question_keys(world)))


# --- The signed unsubscribe link ----------------------------------------------------------


def _unsubscribe(world: FuzzWorld) -> str:
    token = unsubscribe_token(user_id=world.user("learner").pk, kind="inactive")
    return url("reminders:unsubscribe", token=token)


def _unsubscribe_others(world: FuzzWorld) -> list[str]:
    learner = world.user("learner").pk
    good = unsubscribe_token(user_id=learner, kind="digest")
    return [
        url("reminders:unsubscribe", token=good),
        url("reminders:unsubscribe", token=good[:-4] + "AAAA"),  # forged signature
        url("reminders:unsubscribe", token=unsubscribe_token(user_id=learner, kind="nudge")),
        url("reminders:unsubscribe", token=unsubscribe_token(user_id=10**30, kind="inactive")),
        "/reminders/unsubscribe/" + quote("\x00" * 3) + "/",
        "/reminders/unsubscribe/" + quote("\U0001d11e" * 50) + "/",
        "/reminders/unsubscribe/" + "A" * 5000 + "/",
        "/reminders/unsubscribe/" + quote("a:b:c:d") + "/",
    ]


LEARNER: list[Target] = [
    Target(
        "courses:series-enrol",
        "learner",
        lambda w: url("courses:series-enrol", series_slug=w.open_series.slug),
        form_page=None,
        others=lambda w: [
            url("courses:series-enrol", series_slug=w.series.slug),  # enrolled already
            url("courses:series-enrol", series_slug=SERIES_SLUG),
            url("courses:series-enrol", series_slug="matrix-draft"),  # a draft: 404
            url("courses:series-enrol", series_slug="no-such-series"),
        ],
        writes=writes("courses.Enrollment"),
    ),
    Target(
        "courses:module-advisory",
        "learner",
        lambda w: url(
            "courses:module-advisory",
            series_slug=w.series.slug,
            module_slug=w.modules["second"].slug,
        ),
        others=lambda w: [
            url(
                "courses:module-advisory",
                series_slug=w.series.slug,
                module_slug=w.modules["everything"].slug,
            ),
            url("courses:module-advisory", series_slug=SERIES_SLUG, module_slug=MODULE_ONE),
            url("courses:module-advisory", series_slug=w.open_series.slug, module_slug="nope"),
        ],
        writes=writes("courses.AdvisoryAcknowledgement"),
    ),
    Target(
        "courses:component-progress",
        "learner",
        _component("video", "courses:component-progress"),
        label="video",
        form_page=None,
        others=_every_component("courses:component-progress"),
        body=_progress_bodies,
        examples=40,
        writes=PROGRESS_WRITES,
    ),
    Target(
        "courses:component-progress",
        "learner",
        _component("document", "courses:component-progress"),
        label="document",
        form_page=None,
        body=_progress_bodies,
        examples=20,
        writes=PROGRESS_WRITES,
    ),
    Target(
        "courses:quiz-start",
        "learner",
        _component("quiz", "courses:quiz-start"),
        form_page=None,
        others=_every_component("courses:quiz-start"),
        writes=PROGRESS_WRITES,
    ),
    Target(
        "courses:quiz-submit",
        "learner",
        _component("quiz", "courses:quiz-submit"),
        form_page=None,
        others=_every_component("courses:quiz-submit"),
        fields=_quiz_fields,
        body=_answer_bodies,
        examples=40,
        writes=PROGRESS_WRITES,
    ),
    Target(
        "courses:survey-submit",
        "learner",
        _component("survey", "courses:survey-submit"),
        form_page=None,
        others=_every_component("courses:survey-submit"),
        fields=_survey_fields,
        body=_answer_bodies,
        examples=40,
        writes=PROGRESS_WRITES,
    ),
    Target(
        "accounts:profile",
        "learner",
        lambda w: url("accounts:profile"),
        examples=30,
        writes=writes("accounts.User"),
    ),
    Target(
        # The profile's calendar link: "reset" or "stop" in ``action``; anything else changes
        # nothing.
        "accounts:calendar-link",
        "learner",
        lambda w: url("accounts:calendar-link"),
        form_page=None,
        fields=lambda w, specs: [FieldSpec("action", "choice", choices=("reset", "stop"))],
        writes=writes("accounts.User", "audit.AuditEvent"),
    ),
    Target(
        # "Check again" of a learner in no agency (the learner here is a member: a no-op join).
        "accounts:agency-join",
        "learner",
        lambda w: url("accounts:agency-join"),
        form_page=None,
        writes=writes("accounts.Membership", "audit.AuditEvent", "courses.*", "reminders.*"),
    ),
    Target(
        "reminders:preferences",
        "learner",
        lambda w: url("reminders:preferences"),
        writes=writes("reminders.EmailPreference"),
    ),
    Target(
        "reminders:unsubscribe",
        "anonymous",
        _unsubscribe,
        others=_unsubscribe_others,
        form_page=None,
        writes=writes("reminders.EmailPreference"),
    ),
]
