"""The studio's core: who gets in, series/module/component editing, order, status, removal,
and the rule that editing content never takes back a completion."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from courses import content as services
from courses import quizzes
from courses import services as course_services
from courses.models import Component, Enrollment, Module, ModuleCompletion, Progress, Series
from tests import factories

pytestmark = pytest.mark.django_db


def _positions(queryset):
    return list(queryset.order_by("position").values_list("slug", "position"))


# --- Who gets in ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/studio/", "/studio/series/new/"])
def test_learners_and_supervisors_get_403(client, learner, agency, path):
    """Only authors and staff: a learner or a supervisor is refused."""
    client.force_login(learner)
    assert client.get(path).status_code == 403
    client.force_login(factories.supervisor_of(agency))
    assert client.get(path).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/studio/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/studio/")


def test_staff_get_in(client):
    client.force_login(factories.UserFactory(is_staff=True))
    assert client.get("/studio/").status_code == 200


def test_with_mfa_required_an_author_without_it_is_sent_to_set_it_up(author_client, settings):
    settings.LMS_REQUIRE_MFA = True
    response = author_client.get("/studio/")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"
    page = author_client.get("/studio/", follow=True).content.decode()
    assert "turn on two-factor authentication" in page


def test_a_refused_post_changes_nothing(client, learner, series):
    """A learner posting to a studio action is refused and the series stays as it was."""
    client.force_login(learner)
    url = f"/studio/series/{series.slug}/status/"
    assert client.post(url, {"status": "archived"}).status_code == 403
    assert Series.objects.get(pk=series.pk).status == Series.Status.PUBLISHED


# --- Building a series -----------------------------------------------------------------------


def test_author_builds_a_draft_series_with_modules_and_components(author_client):
    """New series (slug from the title), a module, a document and a quiz, through the forms."""
    response = author_client.post(
        "/studio/series/new/",
        {
            "title": "Trauma-Informed Interviewing",
            "provider": "NCMEC",
            "credit_hours": "1.5",
            "credit_type": "POST CPT",
        },
    )
    series = Series.objects.get()
    assert series.credit_type == "POST CPT"  # the hours a certificate credits, and as what
    assert response["Location"] == f"/studio/series/{series.slug}/"
    assert (series.slug, series.status) == ("trauma-informed-interviewing", "draft")
    author_client.post(
        f"/studio/series/{series.slug}/modules/new/",
        {"title": "Before the interview", "estimated_minutes": 20, "objectives": "One\nTwo"},
    )
    module = Module.objects.get()
    assert module.objectives == ["One", "Two"] and module.position == 1
    author_client.post(
        f"/studio/modules/{module.pk}/components/new/?kind=document",
        {"kind": "document", "title": "Reading: preparing", "body": "Prepare.", "required": "on"},
    )
    response = author_client.post(
        f"/studio/modules/{module.pk}/components/new/",
        {"kind": "quiz", "title": "Check", "pass_mark": 80, "max_attempts": 0, "required": "on"},
    )
    quiz = Component.objects.get(kind="quiz")
    assert response["Location"] == f"/studio/components/{quiz.pk}/questions/"
    assert _positions(module.components) == [("reading-preparing", 1), ("check", 2)]
    page = author_client.get(f"/studio/series/{series.slug}/")
    assert b"Reading: preparing" in page.content and b"pass mark 80%" in page.content


def test_bad_input_is_refused_with_the_input_kept(author_client, series):
    """A quiz without a pass mark and a video without a file: the form says so, nothing saved."""
    module = series.modules.first()
    before = Component.objects.count()
    response = author_client.post(
        f"/studio/modules/{module.pk}/components/new/",
        {"kind": "quiz", "title": "Kept title", "max_attempts": 0},
    )
    assert response.status_code == 200
    assert b"Kept title" in response.content and b"This field is required." in response.content
    response = author_client.post(
        f"/studio/modules/{module.pk}/components/new/",
        {"kind": "video", "title": "A video", "duration_seconds": 60},
    )
    assert response.status_code == 200 and b"video_file" in response.content
    assert Component.objects.count() == before


def test_a_duplicate_slug_is_refused_by_the_form(author_client, series):
    module = series.modules.first()
    taken = module.components.first().slug
    response = author_client.post(
        f"/studio/modules/{module.pk}/components/new/",
        {"kind": "document", "title": "Another", "slug": taken, "body": "x"},
    )
    assert response.status_code == 200
    assert b"Another component here already uses this slug." in response.content
    assert module.components.filter(slug=taken).count() == 1


def test_an_unknown_kind_asks_which_kind(author_client, series):
    module = series.modules.first()
    response = author_client.get(f"/studio/modules/{module.pk}/components/new/?kind=nonsense")
    assert response.status_code == 200 and b"What kind of component?" in response.content


def test_prerequisites_must_not_go_round_in_a_circle(author_client, series):
    """Module two builds on module one; making one build on two is refused."""
    first, second = series.modules.order_by("position")
    response = author_client.post(
        f"/studio/modules/{first.pk}/edit/",
        {"title": first.title, "slug": first.slug, "estimated_minutes": 0,
         "prerequisites": [second.pk]},
    )  # fmt: skip
    assert response.status_code == 200 and b"in a circle" in response.content
    assert not first.prerequisites.exists()


@pytest.mark.parametrize("value", [str(2**63), "9" * 30, "1\u00b2", "-1"])
def test_a_prerequisite_that_is_no_id_is_an_invalid_choice(author_client, series, value):
    """Checked before the database sees it: Django looks the chosen modules up with ``IN``,
    which let 2**63 through to SQLite as a 500 (found by the fuzz)."""
    first = series.modules.order_by("position").first()
    response = author_client.post(
        f"/studio/series/{series.slug}/modules/new/",
        {"title": "Third", "estimated_minutes": 0, "prerequisites": [first.pk, value]},
    )
    assert response.status_code == 200
    assert b"is not one of the available choices" in response.content
    assert series.modules.count() == 2


# --- Order -------------------------------------------------------------------------------------


def test_up_and_down_buttons_reorder_without_javascript(author_client, series):
    first, second = series.modules.order_by("position")
    author_client.post(f"/studio/modules/{second.pk}/move/", {"direction": "up"})
    assert list(series.modules.order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    module = series.modules.get(pk=first.pk)
    a, b = module.components.order_by("position")
    author_client.post(f"/studio/components/{a.pk}/move/", {"direction": "down"})
    assert list(module.components.order_by("position").values_list("pk", flat=True)) == [
        b.pk,
        a.pk,
    ]


def test_drag_and_drop_sends_the_whole_order(author_client, series):
    """htmx posts the ids in their new order; a stale or partial order is refused."""
    module = series.modules.get(slug="understanding")
    ids = list(module.components.order_by("position").values_list("pk", flat=True))
    url = f"/studio/modules/{module.pk}/components/order/"
    response = author_client.post(url, {"order": ids[::-1]}, headers={"HX-Request": "true"})
    assert response.json() == {"saved": True}
    assert list(module.components.order_by("position").values_list("pk", flat=True)) == ids[::-1]
    response = author_client.post(
        url, json.dumps({"order": ids[:1]}), content_type="application/json"
    )
    assert response.status_code == 400 and "reload" in response.json()["error"]
    assert list(module.components.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
    ]


# --- Status ------------------------------------------------------------------------------------


def test_learners_see_only_published_series(author_client, learner, author):
    series = services.series_create(title="Draft series")
    module = services.module_create(series=series, title="Only module")
    services.component_create(module=module, kind="document", title="Read", body="Text")
    client = Client()
    client.force_login(learner)
    assert client.get(f"/series/{series.slug}/").status_code == 404
    author_client.post(f"/studio/series/{series.slug}/status/", {"status": "published"})
    assert client.get(f"/series/{series.slug}/").status_code == 200


def test_an_empty_series_cannot_be_published(author_client):
    series = services.series_create(title="Empty")
    response = author_client.post(
        f"/studio/series/{series.slug}/status/", {"status": "published"}, follow=True
    )
    assert b"needs at least one required component" in response.content
    assert Series.objects.get(pk=series.pk).status == "draft"


def test_a_series_with_learners_goes_to_archive_not_back_to_draft(series, learner):
    course_services.enrollment_create(user=learner, series=series)
    with pytest.raises(services.ContentRefused, match="archive it instead"):
        services.series_set_status(series=series, status="draft")


# --- Editing never takes back a completion ------------------------------------------------------


def _complete_module(user, module, now):
    for component in module.components.exclude(kind=Component.Kind.QUIZ):
        if component.kind == Component.Kind.VIDEO:
            course_services.progress_start(user=user, component=component, now=now)
            course_services.progress_record(
                user=user,
                component=component,
                watched_ranges=[[0, component.duration_seconds]],
                now=now + timedelta(seconds=component.duration_seconds),
            )
        else:
            course_services.progress_record(user=user, component=component, now=now)


def test_a_new_required_component_keeps_earned_completions_and_binds_new_learners(
    series, agency, learner, django_capture_on_commit_callbacks
):
    """Who finished the module keeps it (with the version they earned it under); a learner
    part-way needs the new component; the module's version goes up."""
    module = series.modules.get(slug="understanding")
    course_services.enrollment_create(user=learner, series=series)
    _complete_module(learner, module, timezone.now())
    done = ModuleCompletion.objects.get(enrollment__user=learner, module=module)
    assert done.content_version == 1
    newcomer = factories.learner_of(agency)
    enrollment = course_services.enrollment_create(user=newcomer, series=series)
    course_services.progress_record(user=newcomer, component=module.components.get(slug="reading"))

    with django_capture_on_commit_callbacks(execute=True):
        services.component_create(
            module=module, kind="document", title="Check", body="Read this too.", required=True
        )
    module.refresh_from_db()
    series.refresh_from_db()
    assert (module.version, series.version) == (2, 2)
    assert ModuleCompletion.objects.filter(pk=done.pk, content_version=1).exists()
    enrollment.refresh_from_db()
    assert enrollment.percent_complete == 20  # 1 of 5 required components now

    # The newcomer completes the old components: not enough any more.
    for component in module.components.exclude(title="Check"):
        if component.kind == Component.Kind.VIDEO:
            now = timezone.now()
            course_services.progress_start(user=newcomer, component=component, now=now)
            course_services.progress_record(
                user=newcomer,
                component=component,
                watched_ranges=[[0, component.duration_seconds]],
                now=now + timedelta(seconds=component.duration_seconds),
            )
        else:
            course_services.progress_record(user=newcomer, component=component)
    assert not ModuleCompletion.objects.filter(enrollment=enrollment, module=module).exists()


def test_archiving_a_required_component_lets_learners_finish(
    series, learner, django_capture_on_commit_callbacks
):
    """A learner held only by a component the author removed completes the module at once."""
    module = series.modules.get(slug="understanding")
    enrollment = course_services.enrollment_create(user=learner, series=series)
    reading = module.components.get(slug="reading")
    course_services.progress_record(user=learner, component=reading)
    video = module.components.get(kind="video")
    course_services.progress_start(user=learner, component=video)  # progress: archived, not gone
    with django_capture_on_commit_callbacks(execute=True):
        assert services.component_remove(component=video) == "archived"
    assert ModuleCompletion.objects.filter(enrollment=enrollment, module=module).exists()
    assert Progress.objects.filter(component=video).exists()
    assert Component.objects.get(pk=video.pk).archived_at is not None
    assert _positions(module.components.filter(archived_at__isnull=True)) == [("reading", 1)]


def test_an_untouched_component_is_deleted_and_the_rest_move_up(series):
    module = series.modules.get(slug="understanding")
    first = module.components.get(position=1)
    assert services.component_remove(component=first) == "deleted"
    assert not Component.objects.filter(pk=first.pk).exists()
    assert _positions(module.components) == [("reading", 1)]


def test_removing_a_module_with_learners_records_archives_it(author_client, series, learner):
    """The confirmation says it will be archived; after it learners no longer see the module."""
    course_services.enrollment_create(user=learner, series=series)
    module = series.modules.get(slug="understanding")
    course_services.progress_record(user=learner, component=module.components.get(slug="reading"))
    page = author_client.get(f"/studio/modules/{module.pk}/delete/")
    assert b"will be <strong>archived</strong>" in page.content
    author_client.post(f"/studio/modules/{module.pk}/delete/")
    assert Module.objects.get(pk=module.pk).archived_at is not None
    assert Progress.objects.filter(component__module=module).exists()
    assert _positions(series.modules.filter(archived_at__isnull=True)) == [("first-contact", 1)]
    assert author_client.get(f"/studio/modules/{module.pk}/edit/").status_code == 404


def test_a_completed_series_stays_completed_after_a_new_module(
    series, learner, django_capture_on_commit_callbacks
):
    """Completion records the series' version; adding a module later takes nothing back."""
    enrollment = course_services.enrollment_create(user=learner, series=series)
    for module in series.modules.order_by("position"):
        _complete_module(learner, module, timezone.now())
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None and enrollment.completed_version == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.module_create(series=series, title="New module")
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None and enrollment.percent_complete == 100
    # An empty module requires nothing: no new version until it has a required component.
    assert Series.objects.get(pk=series.pk).version == 1
    assert Enrollment.objects.get(pk=enrollment.pk).completed_version == 1


def test_a_survey_answered_anonymously_stays_anonymous(series, learner):
    module = series.modules.get(slug="understanding")
    survey = factories.survey(module, position=9, anonymous=True)
    course_services.enrollment_create(user=learner, series=series)
    answers = {q.pk: "3" for q in survey.questions.filter(kind="likert")}
    answers.update({q.pk: [q.choices.first().pk] for q in survey.questions.filter(kind="single")})
    quizzes.survey_submit(user=learner, component=survey, answers=answers)
    with pytest.raises(services.ContentRefused, match="anonymous"):
        services.component_update(component=survey, anonymous=False)


def test_a_video_upload_must_be_webm_or_mp4(author_client, series):
    """A page or a script is not a video: refused, nothing saved."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    module = series.modules.first()
    before = Component.objects.count()
    response = author_client.post(
        f"/studio/modules/{module.pk}/components/new/",
        {
            "kind": "video",
            "title": "Not a video",
            "duration_seconds": 10,
            "video_file": SimpleUploadedFile("page.html", b"<script>alert(1)</script>"),
        },
    )
    assert response.status_code == 200
    assert b"Upload the video as a WebM or MP4 file." in response.content
    assert Component.objects.count() == before


def test_an_author_uploads_a_video(author_client, series):
    from django.core.files.uploadedfile import SimpleUploadedFile

    module = series.modules.first()
    author_client.post(
        f"/studio/modules/{module.pk}/components/new/",
        {
            "kind": "video",
            "title": "Briefing",
            "required": "on",
            "duration_seconds": 12,
            "video_file": SimpleUploadedFile("briefing.webm", b"\x1aE\xdf\xa3 webm bytes"),
            "transcript": "What the briefing says.",
        },
    )
    video = Component.objects.get(title="Briefing")
    assert video.video_file.name.startswith("videos/briefing") and video.required
