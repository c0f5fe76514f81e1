"""The completion rule under any sequence of author changes and learner actions (Hypothesis).

Two twin series start from the same file. Every author change is made to twin A through the
studio's path (the content services the studio calls) and to twin B through the import path (the
series file, edited and imported), where a file can say it; removals go through the content
services for both. Every learner action is done in both twins. After every step:

- an open enrollment is completed only once every live required component is complete for it,
  and then it is completed (nothing left to do means done, when there is something to do);
- a completed enrollment is never reopened and its completion time never moves;
- percent = completed live required components / live required components, rounded down;
- both twins have the same content versions, and every learner the same percent and status.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.test import TestCase
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from courses import content
from courses.exporting import series_export
from courses.importing import ImportRefused
from courses.models import Component, Enrollment, Module, Progress, Series
from courses.quizzes import quiz_attempt_start, quiz_attempt_submit, survey_submit
from courses.services import ProgressRefused, enrollment_create, progress_record
from tests import factories

REFUSED = (content.ContentRefused, ImportRefused)
RESOURCE = "fact-sheet"


def _base_document() -> dict:
    """A published series of two modules with two required components each."""
    return {
        "format": 1,
        "series": {
            "slug": "twin",
            "title": "Twin",
            "provider": "NCMEC",
            "status": "published",
            "modules": [
                {
                    "slug": "m1",
                    "title": "Module 1",
                    "components": [
                        {"slug": "c1", "title": "Reading 1", "kind": "document", "body": "Read."},
                        {"slug": "c2", "title": "Fact sheet", "kind": "resource",
                         "resource": RESOURCE},
                    ],
                },
                {
                    "slug": "m2",
                    "title": "Module 2",
                    "components": [
                        {"slug": "c3", "title": "Reading 3", "kind": "document", "body": "Read."},
                        {"slug": "c4", "title": "Reading 4", "kind": "document", "body": "Read."},
                    ],
                },
            ],
        },
    }  # fmt: skip


QUIZ_QUESTION = {
    "slug": "q1",
    "kind": "single",
    "text": "Which term does the field use?",
    "choices": [{"text": "CSAM", "correct": True}, {"text": "Other", "correct": False}],
}
SURVEY_QUESTION = {"slug": "q1", "kind": "likert", "text": "The module was useful."}


@dataclass
class Twin:
    slug: str
    series: Series = field(init=False)

    def refresh(self) -> Series:
        self.series = Series.objects.get(slug=self.slug)
        return self.series

    def module(self, slug: str) -> Module:
        return Module.objects.get(series__slug=self.slug, slug=slug)

    def component(self, module: str, slug: str) -> Component:
        return Component.objects.get(module__series__slug=self.slug, module__slug=module, slug=slug)

    def document(self) -> dict:
        document = series_export(series=self.refresh())
        return copy.deepcopy(document)

    def import_(self, document: dict) -> None:
        document["series"]["slug"] = self.slug
        document["series"]["title"] = self.slug
        content.series_import(document)


class CompletionMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        # The machine's own picture of the live content: module slug -> {component slug: kind}.
        self.live: dict[str, dict[str, str]] = {}
        self.required: dict[tuple[str, str], bool] = {}
        self.counter = 0
        self.completed_at: dict[int, object] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # ----------------------------------------------------------------------------- helpers
    def _run(self, action) -> None:
        """Run a write with its after-commit work (the recomputation task), as in production."""
        with TestCase.captureOnCommitCallbacks(execute=True):
            action()

    def _both(self, studio_action, import_action) -> None:
        """The same change through the studio's path on A and the import path on B: both take
        it or both refuse it."""
        outcomes = []
        for twin, action in ((self.a, studio_action), (self.b, import_action)):
            try:
                with transaction.atomic():
                    self._run(lambda twin=twin, action=action: action(twin))
                outcomes.append(None)
            except REFUSED as exc:
                outcomes.append(type(exc).__name__)
        assert (outcomes[0] is None) == (outcomes[1] is None), outcomes

    def _name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # ----------------------------------------------------------------------------- setup
    @initialize()
    def setup(self) -> None:
        factories.ResourceFactory(slug=RESOURCE)
        document = _base_document()
        self.a, self.b = Twin("twin-a"), Twin("twin-b")
        for twin in (self.a, self.b):
            twin.import_(copy.deepcopy(document))
        for module in document["series"]["modules"]:
            self.live[module["slug"]] = {c["slug"]: c["kind"] for c in module["components"]}
            for c in module["components"]:
                self.required[(module["slug"], c["slug"])] = True
        agency = factories.AgencyFactory()
        self.learners = [factories.learner_of(agency) for _ in range(2)]
        for learner in self.learners:
            for twin in (self.a, self.b):
                enrollment_create(user=learner, series=twin.refresh())

    # ----------------------------------------------------------------------------- author
    @rule()
    def add_module(self) -> None:
        slug = self._name("new-module-")

        def studio(twin: Twin) -> None:
            content.module_create(series=twin.refresh(), title=f"Module {slug}", slug=slug)

        def by_file(twin: Twin) -> None:
            document = twin.document()
            document["series"]["modules"].append(
                {"slug": slug, "title": f"Module {slug}", "components": []}
            )
            twin.import_(document)

        self._both(studio, by_file)
        self.live[slug] = {}

    @precondition(lambda self: self.live)
    @rule(data=st.data(), kind=st.sampled_from(["document", "quiz", "survey"]))
    def add_required_component(self, data, kind: str) -> None:
        module_slug = data.draw(st.sampled_from(sorted(self.live)))
        slug = self._name("new-component-")
        extra: dict = {"pass_mark": 50} if kind == "quiz" else {}
        question = {"quiz": QUIZ_QUESTION, "survey": SURVEY_QUESTION}.get(kind)

        def studio(twin: Twin) -> None:
            module = twin.module(module_slug)
            if question is None:
                content.component_create(
                    module=module, kind=kind, title=slug, slug=slug, body="Read.", required=True
                )
                return
            # An author writes a quiz's questions first, then makes it required.
            component = content.component_create(
                module=module, kind=kind, title=slug, slug=slug, required=False, **extra
            )
            content.question_create(
                component=component,
                kind=question["kind"],
                text=question["text"],
                slug=question["slug"],
                choices=[
                    content.ChoiceInput(text=c["text"], is_correct=c["correct"])
                    for c in question.get("choices", [])
                ],
            )
            content.component_update(component=component, required=True)

        def by_file(twin: Twin) -> None:
            document = twin.document()
            module = next(m for m in document["series"]["modules"] if m["slug"] == module_slug)
            entry = {"slug": slug, "title": slug, "kind": kind, "required": True, **extra}
            entry.update({"body": "Read."} if question is None else {"questions": [question]})
            module["components"].append(entry)
            twin.import_(document)

        self._both(studio, by_file)
        self.live[module_slug][slug] = kind
        self.required[(module_slug, slug)] = True

    def _some_component(self, data) -> tuple[str, str]:
        pairs = sorted((m, c) for m, comps in self.live.items() for c in comps)
        return data.draw(st.sampled_from(pairs))

    @precondition(lambda self: any(self.live.values()))
    @rule(data=st.data())
    def make_optional(self, data) -> None:
        module_slug, slug = self._some_component(data)

        def studio(twin: Twin) -> None:
            content.component_update(component=twin.component(module_slug, slug), required=False)

        def by_file(twin: Twin) -> None:
            document = twin.document()
            module = next(m for m in document["series"]["modules"] if m["slug"] == module_slug)
            next(c for c in module["components"] if c["slug"] == slug)["required"] = False
            twin.import_(document)

        self._both(studio, by_file)
        self.required[(module_slug, slug)] = self._is_required(self.a, module_slug, slug)

    def _is_required(self, twin: Twin, module_slug: str, slug: str) -> bool:
        return twin.component(module_slug, slug).required

    @precondition(lambda self: any(self.live.values()))
    @rule(data=st.data())
    def remove_component(self, data) -> None:
        module_slug, slug = self._some_component(data)

        def remove(twin: Twin) -> None:
            content.component_remove(component=twin.component(module_slug, slug))

        self._both(remove, remove)
        if not Component.objects.filter(
            module__series__slug=self.a.slug,
            module__slug=module_slug,
            slug=slug,
            archived_at__isnull=True,
        ).exists():
            del self.live[module_slug][slug]

    @precondition(lambda self: len(self.live) > 1)
    @rule(data=st.data())
    def remove_module(self, data) -> None:
        module_slug = data.draw(st.sampled_from(sorted(self.live)))

        def remove(twin: Twin) -> None:
            content.module_remove(module=twin.module(module_slug))

        self._both(remove, remove)
        if not Module.objects.filter(
            series__slug=self.a.slug, slug=module_slug, archived_at__isnull=True
        ).exists():
            del self.live[module_slug]

    @precondition(lambda self: len(self.live) > 1)
    @rule(data=st.data())
    def reorder_modules(self, data) -> None:
        order = data.draw(st.permutations(sorted(self.live)))

        def studio(twin: Twin) -> None:
            ids = {m.slug: m.pk for m in twin.refresh().modules.filter(archived_at__isnull=True)}
            content.modules_reorder(series=twin.series, ordered_ids=[ids[s] for s in order])

        def by_file(twin: Twin) -> None:
            document = twin.document()
            by_slug = {m["slug"]: m for m in document["series"]["modules"]}
            document["series"]["modules"] = [by_slug[s] for s in order]
            twin.import_(document)

        self._both(studio, by_file)

    @precondition(lambda self: len(self.live) > 1)
    @rule(data=st.data())
    def add_prerequisite(self, data) -> None:
        first, second = data.draw(st.permutations(sorted(self.live)))[:2]

        def studio(twin: Twin) -> None:
            module = twin.module(second)
            wanted = [*module.prerequisites.filter(archived_at__isnull=True), twin.module(first)]
            content.module_update(module=module, prerequisites=wanted)

        def by_file(twin: Twin) -> None:
            document = twin.document()
            module = next(m for m in document["series"]["modules"] if m["slug"] == second)
            module["prerequisites"] = sorted({*module["prerequisites"], first})
            twin.import_(document)

        self._both(studio, by_file)

    @rule()
    def import_own_file_again(self) -> None:
        """Exporting a series and importing the file back changes nothing."""
        for twin in (self.a, self.b):
            before = twin.refresh().version
            self._run(lambda twin=twin: twin.import_(twin.document()))
            assert twin.refresh().version == before

    # ----------------------------------------------------------------------------- learners
    @precondition(lambda self: any(self.live.values()))
    @rule(data=st.data(), outcome=st.sampled_from(["pass", "fail"]))
    def learner_acts(self, data, outcome: str) -> None:
        learner = data.draw(st.sampled_from(self.learners))
        module_slug, slug = self._some_component(data)
        results = []
        for twin in (self.a, self.b):
            component = twin.component(module_slug, slug)
            try:
                with transaction.atomic():
                    self._run(lambda c=component: self._complete(learner, c, outcome))
                results.append("ok")
            except ProgressRefused:
                results.append("refused")
        assert results[0] == results[1], results

    def _complete(self, learner, component: Component, outcome: str) -> None:
        if component.kind in (Component.Kind.DOCUMENT, Component.Kind.RESOURCE):
            progress_record(user=learner, component=component)
        elif component.kind == Component.Kind.QUIZ:
            attempt = quiz_attempt_start(user=learner, component=component)
            question = component.questions.get()
            choice = question.choices.get(is_correct=outcome == "pass")
            quiz_attempt_submit(
                user=learner, attempt_id=attempt.pk, answers={question.pk: [choice.pk]}
            )
        elif component.kind == Component.Kind.SURVEY:
            question = component.questions.get()
            survey_submit(user=learner, component=component, answers={question.pk: 4})

    # ----------------------------------------------------------------------------- the rule
    @invariant()
    def completion_rule_holds(self) -> None:
        if not hasattr(self, "a"):
            return
        for twin in (self.a, self.b):
            required = set(
                Component.objects.filter(
                    module__series__slug=twin.slug,
                    required=True,
                    archived_at__isnull=True,
                    module__archived_at__isnull=True,
                ).values_list("pk", flat=True)
            )
            for enrollment in Enrollment.objects.filter(series__slug=twin.slug):
                done = set(
                    Progress.objects.filter(
                        enrollment=enrollment, state=Progress.State.COMPLETED
                    ).values_list("component_id", flat=True)
                )
                earlier = self.completed_at.get(enrollment.pk)
                if earlier is not None:
                    assert enrollment.completed_at == earlier, "a completion moved or reopened"
                    assert enrollment.percent_complete == 100
                    continue
                if enrollment.completed_at is not None:
                    assert required and required <= done, (
                        f"{twin.slug}: completed with {sorted(required - done)} of "
                        f"{sorted(required)} required components not done"
                    )
                    self.completed_at[enrollment.pk] = enrollment.completed_at
                    continue
                assert not (required and required <= done), "everything done, yet not completed"
                expected = 100 * len(required & done) // len(required) if required else 0
                assert enrollment.percent_complete == expected, (
                    f"{twin.slug}: percent {enrollment.percent_complete}, expected {expected}"
                )

    @invariant()
    def twins_agree(self) -> None:
        if not hasattr(self, "a"):
            return
        a, b = self.a.refresh(), self.b.refresh()
        assert a.version == b.version, f"series versions: studio {a.version}, file {b.version}"
        versions_a = dict(a.modules.values_list("slug", "version"))
        versions_b = dict(b.modules.values_list("slug", "version"))
        assert versions_a == versions_b, f"module versions: {versions_a} vs {versions_b}"
        for learner in self.learners:
            ea = Enrollment.objects.get(user=learner, series=a, is_current=True)
            eb = Enrollment.objects.get(user=learner, series=b, is_current=True)
            assert (ea.percent_complete, ea.is_complete) == (eb.percent_complete, eb.is_complete)


@pytest.mark.django_db
def test_completion_rule_holds_under_any_sequence_of_changes():
    """No sequence of author changes and learner actions breaks the completion rule."""
    run_state_machine_as_test(
        CompletionMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
