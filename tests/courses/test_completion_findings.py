"""Regression tests for what a new user found (issue 9, findings 1, 2, 5 and 7): each failed on
the code before ``courses.content`` and ``courses.completion``."""

import copy
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from courses import content, services
from courses.exporting import series_export, series_json
from courses.importing import ImportRefused
from courses.management.commands.seed_demo import DATA, SERIES_FILES
from courses.models import Component, Enrollment, ModuleCompletion, Progress, Series
from courses.quizzes import quiz_attempt_start, quiz_attempt_submit, survey_submit
from tests import factories
from toolkit.models import Resource
from toolkit.services import resource_upsert

pytestmark = pytest.mark.django_db

SEED_SLUG = "working-with-victims-and-survivors-of-csam"


@pytest.fixture
def seed(django_capture_on_commit_callbacks) -> Series:
    """The shipped seed series and toolkit, as seed_demo loads them."""
    for resource in json.loads((DATA / "toolkit.json").read_text())["resources"]:
        resource_upsert(**resource)
    with django_capture_on_commit_callbacks(execute=True):
        content.series_import(json.loads((DATA / SERIES_FILES[0]).read_text()))
    return Series.objects.get(slug=SEED_SLUG)


def _complete(user, component: Component) -> None:
    if component.module.content_advisory:
        services.advisory_acknowledge(user=user, module=component.module)
    if component.kind == Component.Kind.VIDEO:
        start = timezone.now() - timedelta(seconds=component.duration_seconds or 0)
        services.progress_start(user=user, component=component, now=start)
        services.progress_record(
            user=user, component=component, watched_ranges=[[0, component.duration_seconds]]
        )
    else:
        services.progress_record(user=user, component=component)


def _seed_components(series: Series) -> list[Component]:
    return list(
        Component.objects.live()
        .filter(module__series=series)
        .order_by("module__position", "position")
    )


def _add_module_with_quiz_and_survey(series: Series, capture) -> tuple[Component, Component]:
    """What the author did in the studio: a module, a required quiz and a required survey."""
    with capture(execute=True):
        module = content.module_create(series=series, title="Check your understanding")
        quiz = content.component_create(
            module=module, kind="quiz", title="Quiz", pass_mark=100, required=False
        )
        content.question_create(
            component=quiz,
            kind="single",
            text="Which term does the field use?",
            choices=[
                content.ChoiceInput(text="CSAM", is_correct=True),
                content.ChoiceInput(text="Other"),
            ],
        )
        content.component_update(component=quiz, required=True)
        survey = content.component_create(
            module=module, kind="survey", title="Evaluation", required=False
        )
        content.question_create(component=survey, kind="likert", text="The module was useful.")
        content.component_update(component=survey, required=True)
    return quiz, survey


def test_finding_1_a_series_is_not_completed_without_its_new_quiz_and_survey(
    seed, agency, django_capture_on_commit_callbacks
):
    """A learner at 75% finishes the old modules after an author added a module with a required
    quiz and survey: not complete (and no empty module recorded) until both are done."""
    learner = factories.learner_of(agency)
    services.enrollment_create(user=learner, series=seed)
    old = _seed_components(seed)
    for component in old[:3]:
        _complete(learner, component)
    enrollment = Enrollment.objects.get(user=learner, series=seed)
    assert enrollment.percent_complete == 75

    with django_capture_on_commit_callbacks(execute=True):
        empty = content.module_create(series=seed, title="Coming soon")
    assert not ModuleCompletion.objects.filter(module=empty).exists()
    quiz, survey = _add_module_with_quiz_and_survey(seed, django_capture_on_commit_callbacks)
    assert not ModuleCompletion.objects.filter(module=quiz.module).exists()
    enrollment.refresh_from_db()
    assert enrollment.percent_complete == 50  # 3 of 6

    _complete(learner, old[3])
    enrollment.refresh_from_db()
    assert (enrollment.completed_at, enrollment.percent_complete) == (None, 66)

    attempt = quiz_attempt_start(user=learner, component=quiz)
    question = quiz.questions.get()
    wrong = question.choices.get(is_correct=False)
    quiz_attempt_submit(user=learner, attempt_id=attempt.pk, answers={question.pk: [wrong.pk]})
    enrollment.refresh_from_db()
    assert enrollment.completed_at is None
    attempt = quiz_attempt_start(user=learner, component=quiz)
    right = question.choices.get(is_correct=True)
    quiz_attempt_submit(user=learner, attempt_id=attempt.pk, answers={question.pk: [right.pk]})
    enrollment.refresh_from_db()
    assert (enrollment.completed_at, enrollment.percent_complete) == (None, 83)

    survey_submit(user=learner, component=survey, answers={survey.questions.get().pk: 4})
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None and enrollment.percent_complete == 100


def test_finding_1_a_module_whose_requirements_grew_counts_as_incomplete(
    seed, agency, django_capture_on_commit_callbacks
):
    """The record of an earlier module completion stays, but a learner still working must do
    the new component before the modules that build on it open."""
    learner = factories.learner_of(agency)
    services.enrollment_create(user=learner, series=seed)
    first, _second = seed.modules.live().order_by("position")
    for component in first.components.live():
        _complete(learner, component)
    record = ModuleCompletion.objects.get(enrollment__user=learner, module=first)
    with django_capture_on_commit_callbacks(execute=True):
        added = content.component_create(
            module=first, kind="document", title="New reading", body="Read."
        )
    assert ModuleCompletion.objects.filter(pk=record.pk, content_version=1).exists()
    later = _seed_components(seed)[-1]  # module two builds on module one
    with pytest.raises(services.ProgressRefused, match="builds on"):
        services.progress_record(user=learner, component=later)
    _complete(learner, added)
    _complete(learner, later)
    assert Progress.objects.get(enrollment__user=learner, component=later).is_complete


def _edited(document: dict, module_slug: str, **component) -> dict:
    document = copy.deepcopy(document)
    module = next(m for m in document["series"]["modules"] if m["slug"] == module_slug)
    module["components"].append(component)
    return document


def test_finding_2_the_import_path_versions_and_recomputes_like_the_studio(
    seed, agency, django_capture_on_commit_callbacks
):
    """A file adding a required component bumps the same versions as the studio and moves a
    learner's percent (25% of 4 becomes 20% of 5)."""
    learner = factories.learner_of(agency)
    services.enrollment_create(user=learner, series=seed)
    _complete(learner, _seed_components(seed)[0])
    module = seed.modules.live().order_by("position").first()
    document = _edited(
        series_export(series=seed), module.slug, slug="more", title="More", kind="document",
        body="Read.", required=True,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        content.series_import(document)
    seed.refresh_from_db()
    module.refresh_from_db()
    assert (seed.version, module.version) == (2, 2)
    assert Enrollment.objects.get(user=learner).percent_complete == 20

    # The same file again changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        content.series_import(document)
    seed.refresh_from_db()
    assert seed.version == 2


def test_finding_2_one_parking_constant_for_both_paths(seed):
    """Reordering by file and by studio both leave positions 1..n, archived rows out of them."""
    document = series_export(series=seed)
    document["series"]["modules"].reverse()
    content.series_import(document)
    assert list(seed.modules.order_by("position").values_list("position", flat=True)) == [1, 2]
    assert content.ARCHIVED_POSITION == 1_000_000
    assert not hasattr(__import__("courses.importing").importing, "PARKED")


def test_finding_5_a_required_quiz_without_questions_is_refused_in_a_published_series(seed):
    """Nothing is saved; the author is told what to do."""
    module = seed.modules.live().first()
    before = Component.objects.count()
    with pytest.raises(content.ContentRefused, match="without questions"):
        content.component_create(module=module, kind="quiz", title="Quiz", pass_mark=50)
    with pytest.raises(content.ContentRefused, match="without questions"):
        content.component_create(module=module, kind="survey", title="Evaluation")
    assert Component.objects.count() == before


def test_finding_5_the_last_question_of_a_required_quiz_cannot_go(seed):
    module = seed.modules.live().first()
    quiz = content.component_create(
        module=module, kind="quiz", title="Quiz", pass_mark=50, required=False
    )
    question = content.question_create(
        component=quiz,
        kind="single",
        text="Which term?",
        choices=[content.ChoiceInput(text="CSAM", is_correct=True), content.ChoiceInput("X")],
    )
    content.component_update(component=quiz, required=True)
    with pytest.raises(content.ContentRefused, match="without questions"):
        content.question_remove(question=question)
    assert quiz.questions.count() == 1


def test_finding_5_a_draft_may_hold_an_empty_quiz_but_cannot_be_published(agency):
    series = content.series_create(title="Draft")
    module = content.module_create(series=series, title="One")
    content.component_create(module=module, kind="quiz", title="Quiz", pass_mark=50)
    with pytest.raises(content.ContentRefused, match="without questions"):
        content.series_set_status(series=series, status=Series.Status.PUBLISHED)
    series.refresh_from_db()
    assert series.status == Series.Status.DRAFT


def test_finding_5_a_required_video_without_its_file_cannot_be_published(settings):
    series = content.series_create(title="Draft")
    module = content.module_create(series=series, title="One")
    content.component_create(
        module=module, kind="video", title="Video", video_file="videos/missing.webm",
        duration_seconds=10,
    )  # fmt: skip
    with pytest.raises(content.ContentRefused, match="without its file"):
        content.series_set_status(series=series, status=Series.Status.PUBLISHED)


def test_finding_5_a_file_cannot_publish_a_required_quiz_without_questions(seed):
    document = _edited(
        series_export(series=seed), seed.modules.first().slug,
        slug="quiz", title="Quiz", kind="quiz", pass_mark=50, required=True,
    )  # fmt: skip
    with pytest.raises(ImportRefused, match="without questions"):
        content.series_import(document)
    assert not Component.objects.filter(slug="quiz").exists()


def _flush_content() -> None:
    """An empty site: no series and no toolkit resources."""
    Series.objects.all().delete()
    Resource.objects.all().delete()


def test_finding_7_a_series_file_travels_to_an_empty_site(seed, tmp_path):
    """Export, import into a site without the toolkit resources, export: the same bytes; the
    resources are created from the file."""
    first = series_json(series_export(series=seed))
    path = tmp_path / "series.json"
    path.write_text(first)
    _flush_content()
    assert not Resource.objects.exists()
    call_command("import_series", str(path), stdout=open("/dev/null", "w"))  # noqa: SIM115
    again = series_json(series_export(series=Series.objects.get(slug=SEED_SLUG)))
    assert again == first
    assert Resource.objects.count() == len(json.loads(first)["resources"]) > 0


def test_finding_7_resources_are_matched_by_url(seed):
    """A site that has the resource under another slug uses it; none is duplicated."""
    document = series_export(series=seed)
    resource = Resource.objects.get(slug=document["resources"][0]["slug"])
    Resource.objects.filter(pk=resource.pk).update(slug="renamed-here")
    count = Resource.objects.count()
    document["series"]["slug"] = "copy"
    for module in document["series"]["modules"]:
        module["slug"] = f"{module['slug']}-copy"[:80]
        module["prerequisites"] = [f"{p}-copy"[:80] for p in module["prerequisites"]]
    copied, _changed = content.series_import(document)
    assert Resource.objects.count() == count
    assert Component.objects.filter(module__series=copied, resource=resource).exists()


def test_finding_7_a_bad_resource_in_a_file_is_refused_naming_the_field(seed):
    document = series_export(series=seed)
    document["resources"][0]["folder"] = "nowhere"
    with pytest.raises(ImportRefused, match=r"resources\[0\]\.folder"):
        content.series_import(document)


def test_content_is_read_only_in_django_admin(admin_client, seed):
    """Admin shows course content but cannot change it: changes go through courses.content."""
    module = seed.modules.first()
    assert admin_client.get("/admin/courses/series/").status_code == 200
    assert admin_client.get("/admin/courses/series/add/").status_code == 403
    page = admin_client.get(f"/admin/courses/module/{module.pk}/change/")
    assert page.status_code == 200 and b'name="title"' not in page.content
    response = admin_client.post(f"/admin/courses/module/{module.pk}/change/", {"title": "X"})
    assert response.status_code == 403
    module.refresh_from_db()
    assert module.title != "X"
    assert connection.vendor in ("sqlite", "postgresql")
