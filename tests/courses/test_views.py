"""Learner pages of the courses app, end to end through the HTTP client.

The ``series`` fixture (tests/conftest.py): module “understanding” (video “intro-video”, 100 s;
document “reading”) and module “first-contact” (document “checklist”; resource “support”), the
second building on the first.
"""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from courses import services
from courses.models import (
    AdvisoryAcknowledgement,
    Component,
    Enrollment,
    Module,
    Progress,
    Series,
)
from tests import factories

SERIES_URL = "/series/working-with-survivors/"
MODULE_ONE_URL = SERIES_URL + "understanding/"
MODULE_TWO_URL = SERIES_URL + "first-contact/"
VIDEO_URL = MODULE_ONE_URL + "intro-video/"
READING_URL = MODULE_ONE_URL + "reading/"
CHECKLIST_URL = MODULE_TWO_URL + "checklist/"
SUPPORT_URL = MODULE_TWO_URL + "support/"
RESUME_URL = SERIES_URL + "resume/"


# Helpers ---------------------------------------------------------------------------------------


def _component(slug: str) -> Component:
    return Component.objects.select_related("module__series", "resource").get(slug=slug)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post_json(client: Client, url: str, payload) -> HttpResponse:
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    return client.post(url, data=body, content_type="application/json")


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _login_redirect(path: str) -> str:
    return "/accounts/login/?" + urlencode({"next": path}, safe="/")


def _complete_module(user, module: Module) -> None:
    """Complete every component of the module through the services, videos watched over time."""
    opened = timezone.now() - timedelta(minutes=10)
    for component in module.components.select_related("module__series").order_by("position"):
        if component.kind == Component.Kind.VIDEO:
            services.progress_start(user=user, component=component, now=opened)
            services.progress_record(
                user=user, component=component, watched_ranges=[[0, component.duration_seconds]]
            )
        else:
            services.progress_record(user=user, component=component)


def _open_video_seconds_ago(user, seconds: int) -> Component:
    """Start the video's playback clock ``seconds`` ago, as if the learner opened its page then."""
    video = _component("intro-video")
    services.progress_start(
        user=user, component=video, now=timezone.now() - timedelta(seconds=seconds)
    )
    return video


@pytest.fixture
def enrolled(learner, series) -> Enrollment:
    return services.enrollment_create(user=learner, series=series)


@pytest.fixture
def learner_client(client, learner) -> Client:
    client.force_login(learner)
    return client


@pytest.fixture
def module_one(series) -> Module:
    return Module.objects.get(series=series, slug="understanding")


@pytest.fixture
def with_advisory(module_one) -> Module:
    module_one.content_advisory = "This module discusses the impact of CSAM on survivors."
    module_one.save(update_fields=["content_advisory"])
    return module_one


@pytest.fixture
def module_one_done(learner, enrolled, module_one) -> Enrollment:
    _complete_module(learner, module_one)
    enrolled.refresh_from_db()
    return enrolled


# 1. Every learner page answers the right user -------------------------------------------------


def test_home_shows_welcome_page_to_anonymous_visitor(client, db):
    """Anonymous visitors get the welcome page, with sign-in and sign-up links."""
    response = client.get("/")
    assert response.status_code == 200
    assert "courses/welcome.html" in [t.name for t in response.templates]
    assert b"/accounts/login/" in response.content
    assert b"/accounts/signup/" in response.content
    assert b"My training" not in response.content


def test_home_shows_my_training_with_resume_link_to_learner(learner_client, enrolled):
    """A signed-in learner's home lists their series with a start link."""
    response = learner_client.get("/")
    assert response.status_code == 200
    assert b"My training" in response.content
    assert b"Working with Victims and Survivors" in response.content
    assert RESUME_URL.encode() in response.content


def test_home_invites_learner_without_enrolments_to_the_catalogue(learner_client, series):
    """A learner enrolled in nothing is pointed to the catalogue."""
    response = learner_client.get("/")
    assert response.status_code == 200
    assert b"You are not enrolled in any training yet." in response.content
    assert b'href="/series/"' in response.content


def test_catalogue_lists_published_series_only(learner_client, series):
    """Draft and archived series are not in the catalogue."""
    factories.SeriesFactory(title="Draft series", status=Series.Status.DRAFT)
    factories.SeriesFactory(title="Archived series", status=Series.Status.ARCHIVED)
    response = learner_client.get("/series/")
    assert response.status_code == 200
    assert b"Working with Victims and Survivors" in response.content
    assert b"2 modules" in response.content
    assert b"Draft series" not in response.content
    assert b"Archived series" not in response.content


def test_series_page_offers_enrolment_to_unenrolled_learner(learner_client, series):
    """The series page shows the enrol form until the learner enrols."""
    response = learner_client.get(SERIES_URL)
    assert response.status_code == 200
    assert b"Enroll in this series" in response.content
    assert (SERIES_URL + "enrol/").encode() in response.content


def test_series_page_shows_progress_and_start_to_enrolled_learner(learner_client, enrolled):
    """An enrolled learner sees their progress and a start button instead of the enrol form."""
    response = learner_client.get(SERIES_URL)
    assert response.status_code == 200
    assert b"My progress" in response.content
    assert b"Start the series" in response.content
    assert b"Enroll in this series" not in response.content


def test_enrol_post_enrols_learner_and_returns_to_series(learner_client, learner, series):
    """POSTing the enrol form creates the enrollment and says so."""
    response = learner_client.post(SERIES_URL + "enrol/")
    assert response.status_code == 302
    assert response.url == SERIES_URL
    assert Enrollment.objects.filter(user=learner, series=series).count() == 1
    assert any("You are enrolled" in m for m in _messages(response))


def test_enrolling_twice_keeps_one_enrollment(learner_client, learner, series):
    """A repeated enrol POST does not open a second cycle."""
    learner_client.post(SERIES_URL + "enrol/")
    learner_client.post(SERIES_URL + "enrol/")
    assert Enrollment.objects.filter(user=learner, series=series).count() == 1


def test_enrol_by_get_is_not_allowed(learner_client, learner, series):
    """Enrolling is a POST; a GET is 405 and enrols nobody."""
    assert learner_client.get(SERIES_URL + "enrol/").status_code == 405
    assert not Enrollment.objects.filter(user=learner).exists()


def test_module_page_links_components_for_enrolled_learner(learner_client, enrolled):
    """The module page lists its components, linked, with their state."""
    response = learner_client.get(MODULE_ONE_URL)
    assert response.status_code == 200
    assert b"Contains 2 Component(s)" in response.content
    assert f'href="{VIDEO_URL}"'.encode() in response.content
    assert f'href="{READING_URL}"'.encode() in response.content
    assert response.content.count(b"Not started") == 2


def test_module_page_asks_unenrolled_learner_to_enrol_and_links_nothing(learner_client, series):
    """Before enrolling, the module's components are listed but not linked."""
    response = learner_client.get(MODULE_ONE_URL)
    assert response.status_code == 200
    assert b"to start this module" in response.content
    assert f'href="{VIDEO_URL}"'.encode() not in response.content


def test_advisory_page_shows_the_advisory(learner_client, enrolled, with_advisory):
    """GET on the advisory page shows the module's content advisory and a continue button."""
    response = learner_client.get(MODULE_ONE_URL + "advisory/")
    assert response.status_code == 200
    assert b"This module discusses the impact of CSAM on survivors." in response.content
    assert b"I understand, continue to the module" in response.content


def test_advisory_post_records_acknowledgement_and_opens_the_module(
    learner_client, learner, enrolled, with_advisory
):
    """POST on the advisory page records the acknowledgement and opens the module's content."""
    response = learner_client.post(MODULE_ONE_URL + "advisory/")
    assert response.status_code == 302
    assert response.url == VIDEO_URL
    assert AdvisoryAcknowledgement.objects.filter(user=learner, module=with_advisory).count() == 1


def test_advisory_post_by_unenrolled_learner_returns_to_module(
    learner_client, learner, series, with_advisory
):
    """An unenrolled learner who acknowledges the advisory is sent to the module page."""
    response = learner_client.post(MODULE_ONE_URL + "advisory/")
    assert response.status_code == 302
    assert response.url == MODULE_ONE_URL


def test_advisory_page_of_module_without_advisory_redirects_to_module(learner_client, enrolled):
    """A module without an advisory has no advisory page: GET and POST go to the module."""
    assert learner_client.get(MODULE_ONE_URL + "advisory/").url == MODULE_ONE_URL
    assert learner_client.post(MODULE_ONE_URL + "advisory/").url == MODULE_ONE_URL
    assert not AdvisoryAcknowledgement.objects.exists()


def test_video_page_renders_player_and_starts_progress(learner_client, enrolled):
    """The video page carries the progress and media URLs, and marks the video in progress."""
    response = learner_client.get(VIDEO_URL)
    assert response.status_code == 200
    assert "courses/components/video.html" in [t.name for t in response.templates]
    assert f'data-progress-url="{VIDEO_URL}progress/"'.encode() in response.content
    assert f'src="{VIDEO_URL}media/"'.encode() in response.content
    assert b'data-threshold="90"' in response.content
    assert b'data-resume="0.0"' in response.content
    progress = Progress.objects.get(enrollment=enrolled, component=_component("intro-video"))
    assert progress.state == Progress.State.IN_PROGRESS


def test_document_page_offers_i_have_read_this(learner_client, enrolled):
    """The document page shows the reading and a form posting to its progress URL."""
    response = learner_client.get(READING_URL)
    assert response.status_code == 200
    assert "courses/components/document.html" in [t.name for t in response.templates]
    assert b"Read this." in response.content
    assert b"I have read this" in response.content
    assert f'action="{READING_URL}progress/"'.encode() in response.content


def test_resource_page_links_through_the_tracked_open_url(learner_client, module_one_done):
    """The resource page links to the tracked open/ URL, not straight to the publisher."""
    response = learner_client.get(SUPPORT_URL)
    assert response.status_code == 200
    assert "courses/components/resource.html" in [t.name for t in response.templates]
    assert f'href="{SUPPORT_URL}open/"'.encode() in response.content
    assert _component("support").resource.url.encode() not in response.content


def test_resume_opens_first_incomplete_component_in_order(learner_client, learner, enrolled):
    """Resume goes to the first component not yet complete, moving on as the learner does."""
    assert learner_client.get(RESUME_URL).url == VIDEO_URL
    _complete_module(learner, Module.objects.get(slug="understanding"))
    assert learner_client.get(RESUME_URL).url == CHECKLIST_URL


def test_resume_sends_unenrolled_learner_to_series_page(learner_client, series):
    """A learner with nothing to resume is sent to the series page."""
    response = learner_client.get(RESUME_URL)
    assert response.status_code == 302
    assert response.url == SERIES_URL


def test_resume_sends_learner_who_completed_everything_to_series_page(
    learner_client, learner, enrolled, series
):
    """With every component complete, resume goes to the series page."""
    for module in series.modules.order_by("position"):
        _complete_module(learner, module)
    enrolled.refresh_from_db()
    assert enrolled.completed_at is not None
    assert learner_client.get(RESUME_URL).url == SERIES_URL


def test_media_streams_video_privately_to_enrolled_learner(learner_client, enrolled, settings):
    """The media endpoint streams the stored file, cached only privately."""
    response = learner_client.get(VIDEO_URL + "media/")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/webm"
    assert response["Cache-Control"] == "private, max-age=3600"
    body = b"".join(response.streaming_content)
    response.close()
    assert body == (settings.MEDIA_ROOT / "videos" / "demo-training-video.webm").read_bytes()


def test_media_with_missing_file_is_404(learner_client, enrolled):
    """A video whose file is gone is a 404, not a server error."""
    Component.objects.filter(slug="intro-video").update(video_file="videos/missing.webm")
    assert learner_client.get(VIDEO_URL + "media/").status_code == 404


# 2. Refusals ---------------------------------------------------------------------------------

ANONYMOUS_GET = [
    "/series/",
    SERIES_URL,
    RESUME_URL,
    MODULE_ONE_URL,
    MODULE_ONE_URL + "advisory/",
    VIDEO_URL,
    READING_URL,
    SUPPORT_URL,
    SUPPORT_URL + "open/",
    VIDEO_URL + "media/",
    "/toolkit/",
    "/toolkit/?q=survivor&category=survivor_care",
]
ANONYMOUS_POST = [
    SERIES_URL + "enrol/",
    MODULE_ONE_URL + "advisory/",
    VIDEO_URL + "progress/",
    READING_URL + "progress/",
]


@pytest.mark.parametrize("path", ANONYMOUS_GET)
def test_anonymous_get_redirects_to_login_with_next(client, series, path):
    """Every learner page sends an anonymous visitor to sign in, and back afterwards."""
    response = client.get(path)
    assert response.status_code == 302
    assert response.url == _login_redirect(path)


@pytest.mark.parametrize("path", ANONYMOUS_POST)
def test_anonymous_post_redirects_to_login_and_records_nothing(client, series, path):
    """Anonymous POSTs are sent to sign in; nothing is enrolled, acknowledged or recorded."""
    response = _post_json(client, path, {"watched": [[0, 10]]})
    assert response.status_code == 302
    assert response.url == _login_redirect(path)
    assert not Enrollment.objects.exists()
    assert not Progress.objects.exists()
    assert not AdvisoryAcknowledgement.objects.exists()


@pytest.mark.parametrize(
    "path", ["/", "/healthz", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_public_pages_answer_anonymous_visitors(client, db, path):
    """Home, the health check and the allauth pages need no sign-in."""
    assert client.get(path).status_code == 200


HIDDEN_SERIES_REQUESTS = [
    ("get", SERIES_URL),
    ("get", MODULE_ONE_URL),
    ("get", MODULE_ONE_URL + "advisory/"),
    ("get", VIDEO_URL),
    ("get", READING_URL),
    ("post", SERIES_URL + "enrol/"),
    ("get", RESUME_URL),
    ("get", VIDEO_URL + "media/"),
    ("post", READING_URL + "progress/"),
    ("get", SUPPORT_URL + "open/"),
]


@pytest.mark.parametrize("was_enrolled", [False, True], ids=["never-enrolled", "enrolled"])
@pytest.mark.parametrize(("method", "path"), HIDDEN_SERIES_REQUESTS)
def test_draft_series_is_404_for_learners(
    learner_client, learner, series, was_enrolled, method, path
):
    """A series in draft is 404 at every learner URL, even to a learner enrolled before."""
    if was_enrolled:
        services.enrollment_create(user=learner, series=series)
    Series.objects.filter(pk=series.pk).update(status=Series.Status.DRAFT)
    response = getattr(learner_client, method)(path)
    assert response.status_code == 404
    assert Enrollment.objects.filter(user=learner).count() == int(was_enrolled)
    assert not Progress.objects.exists()


@pytest.mark.parametrize(("method", "path"), HIDDEN_SERIES_REQUESTS)
def test_archived_series_is_404_for_learner_never_enrolled(learner_client, series, method, path):
    """An archived series is gone for a learner who never enrolled in it."""
    Series.objects.filter(pk=series.pk).update(status=Series.Status.ARCHIVED)
    assert getattr(learner_client, method)(path).status_code == 404
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("path", [SERIES_URL, MODULE_ONE_URL, VIDEO_URL, READING_URL])
def test_archived_series_stays_visible_to_learner_who_was_enrolled(
    learner_client, enrolled, series, path
):
    """A learner enrolled before the series was archived keeps access to it."""
    Series.objects.filter(pk=series.pk).update(status=Series.Status.ARCHIVED)
    assert learner_client.get(path).status_code == 200


def test_archived_series_page_says_archived_and_offers_no_enrolment(
    learner_client, enrolled, series
):
    """The archived series page tells the learner their record is kept, with no enrol form."""
    Series.objects.filter(pk=series.pk).update(status=Series.Status.ARCHIVED)
    response = learner_client.get(SERIES_URL)
    assert b"This series has been archived." in response.content
    assert b"Enroll in this series" not in response.content
    assert learner_client.get(VIDEO_URL + "media/").status_code == 200


def test_archived_series_refuses_enrolment_with_message(learner_client, learner, enrolled, series):
    """Enrolling again in an archived series is refused with a message, no new cycle."""
    Series.objects.filter(pk=series.pk).update(status=Series.Status.ARCHIVED)
    response = learner_client.post(SERIES_URL + "enrol/")
    assert response.url == SERIES_URL
    assert "This series is not open for enrollment." in _messages(response)
    assert Enrollment.objects.filter(user=learner).count() == 1


@pytest.mark.parametrize("path", [VIDEO_URL, READING_URL, CHECKLIST_URL, SUPPORT_URL])
def test_component_page_redirects_unenrolled_learner_to_series_with_message(
    learner_client, series, path
):
    """Without an enrollment a component page sends the learner to enrol first."""
    response = learner_client.get(path)
    assert response.status_code == 302
    assert response.url == SERIES_URL
    assert _messages(response) == ["Enroll in this series to start its modules."]
    assert not Progress.objects.exists()


def test_progress_json_from_unenrolled_learner_is_400_and_saves_nothing(learner_client, series):
    """The progress endpoint refuses a learner who is not enrolled, in JSON."""
    response = _post_json(learner_client, VIDEO_URL + "progress/", {"watched": [[0, 5]]})
    assert response.status_code == 400
    assert response.json() == {"error": "Enroll in this series to record your progress."}
    assert not Progress.objects.exists()
    assert not Enrollment.objects.exists()


def test_progress_form_post_from_unenrolled_learner_redirects_with_message(learner_client, series):
    """A plain form POST from an unenrolled learner gets the refusal as a message."""
    response = learner_client.post(READING_URL + "progress/")
    assert response.status_code == 302
    assert response.url == READING_URL
    assert _messages(response) == ["Enroll in this series to record your progress."]
    assert not Progress.objects.exists()


def test_media_is_404_for_unenrolled_learner(learner_client, series):
    """Training video is never served to a learner who is not enrolled."""
    assert learner_client.get(VIDEO_URL + "media/").status_code == 404


def test_media_is_404_for_enrolled_learner_of_another_series(learner_client, learner, series):
    """An enrollment in a different series opens none of this series' videos."""
    services.enrollment_create(user=learner, series=factories.SeriesFactory())
    assert learner_client.get(VIDEO_URL + "media/").status_code == 404


@pytest.mark.parametrize("path", [CHECKLIST_URL, SUPPORT_URL])
def test_component_of_locked_module_redirects_to_series_with_message(
    learner_client, enrolled, module_one, path
):
    """A module whose prerequisite is incomplete does not open; the message names it."""
    response = learner_client.get(path)
    assert response.status_code == 302
    assert response.url == SERIES_URL
    assert _messages(response) == [
        f"This module builds on “{module_one.title}”. Complete that first."
    ]
    assert not Progress.objects.exists()


@pytest.mark.parametrize("path", [CHECKLIST_URL, SUPPORT_URL])
def test_progress_post_to_locked_module_is_400_and_creates_no_row(learner_client, enrolled, path):
    """Progress cannot be recorded in a locked module: 400 JSON, no Progress row."""
    response = _post_json(learner_client, path + "progress/", {})
    assert response.status_code == 400
    assert response.json() == {"error": "Complete the modules this one builds on first."}
    assert not Progress.objects.exists()


def test_open_of_locked_resource_redirects_to_series_without_recording(learner_client, enrolled):
    """The tracked link of a locked module's resource neither opens it nor completes it."""
    response = learner_client.get(SUPPORT_URL + "open/")
    assert response.status_code == 302
    assert response.url == SERIES_URL
    assert not Progress.objects.exists()


def test_locked_module_page_names_prerequisite_and_links_no_component(
    learner_client, enrolled, module_one
):
    """The locked module's page explains what to complete first and links no component."""
    response = learner_client.get(MODULE_TWO_URL)
    assert response.status_code == 200
    assert b"This module builds on" in response.content
    assert f'href="{MODULE_ONE_URL}"'.encode() in response.content
    assert f'href="{CHECKLIST_URL}"'.encode() not in response.content


def test_series_page_marks_module_locked_until_prerequisite_done(
    learner_client, learner, enrolled, module_one
):
    """The series page shows the second module locked, then open once the first is complete."""
    assert b"Locked" in learner_client.get(SERIES_URL).content
    _complete_module(learner, module_one)
    assert learner_client.get(CHECKLIST_URL).status_code == 200
    assert b"Locked" not in learner_client.get(SERIES_URL).content


def test_progress_post_to_module_locked_after_learner_started_is_refused(
    learner_client, learner, enrolled, series
):
    """A module that became locked refuses progress even where the learner had already begun."""
    checklist = _component("checklist")
    Module.objects.get(slug="first-contact").prerequisites.clear()
    services.progress_start(user=learner, component=checklist)
    Module.objects.get(slug="first-contact").prerequisites.add(
        Module.objects.get(slug="understanding")
    )
    assert learner_client.get(CHECKLIST_URL).status_code == 302  # the page is closed ...
    response = _post_json(learner_client, CHECKLIST_URL + "progress/", {})
    assert response.status_code == 400  # ... and so should the endpoint be
    assert not Progress.objects.get(component=checklist).is_complete


def test_advisory_shown_before_module_content_until_acknowledged(
    learner_client, learner, enrolled, with_advisory
):
    """A module with an advisory sends the learner to it first, and only until acknowledged."""
    advisory_url = MODULE_ONE_URL + "advisory/"
    assert learner_client.get(VIDEO_URL).url == advisory_url
    assert learner_client.get(READING_URL).url == advisory_url
    assert not Progress.objects.exists()
    learner_client.post(advisory_url)
    assert learner_client.get(VIDEO_URL).status_code == 200
    assert learner_client.get(READING_URL).status_code == 200
    learner_client.post(advisory_url)  # acknowledging twice is harmless
    assert AdvisoryAcknowledgement.objects.filter(user=learner).count() == 1


def test_advisory_acknowledgement_belongs_to_one_learner(
    learner_client, agency, series, enrolled, with_advisory
):
    """One learner's acknowledgement does not spare a colleague the advisory."""
    learner_client.post(MODULE_ONE_URL + "advisory/")
    colleague = factories.learner_of(agency)
    services.enrollment_create(user=colleague, series=series)
    assert _signed_in(colleague).get(VIDEO_URL).url == MODULE_ONE_URL + "advisory/"


def test_open_redirects_only_to_stored_url_and_records_completion(learner_client, module_one_done):
    """open/ ignores any destination in the request and completes the resource component."""
    support = _component("support")
    response = learner_client.get(
        SUPPORT_URL + "open/",
        {"next": "https://evil.example", "url": "https://evil.example/phish"},
    )
    assert response.status_code == 302
    assert response["Location"] == support.resource.url
    progress = Progress.objects.get(enrollment=module_one_done, component=support)
    assert progress.is_complete
    assert progress.percent == 100


def test_opening_resource_twice_keeps_first_completion(learner_client, module_one_done):
    """Opening the resource again changes nothing already recorded."""
    learner_client.get(SUPPORT_URL + "open/")
    first = Progress.objects.get(component=_component("support")).completed_at
    learner_client.get(SUPPORT_URL + "open/")
    assert Progress.objects.get(component=_component("support")).completed_at == first
    assert Progress.objects.filter(component=_component("support")).count() == 1


@pytest.mark.parametrize("path", [VIDEO_URL, READING_URL, CHECKLIST_URL])
def test_open_of_non_resource_component_is_404(learner_client, module_one_done, path):
    """Only resource components have a tracked link."""
    assert learner_client.get(path + "open/").status_code == 404


BAD_PROGRESS_PAYLOADS = [
    pytest.param(b"{not json", "not valid JSON", id="bad-json"),
    pytest.param([[0, 10]], "must be an object", id="not-an-object"),
    pytest.param({"watched": "0-10"}, "“watched” must be a list", id="watched-string"),
    pytest.param({"watched": {"0": 10}}, "“watched” must be a list", id="watched-object"),
    pytest.param({"watched": None}, "“watched” must be a list", id="watched-null"),
    pytest.param({"watched": [["0", "10"]]}, "pairs of numbers", id="string-pairs"),
    pytest.param({"watched": [[True, False]]}, "pairs of numbers", id="boolean-pairs"),
    pytest.param({"watched": [[0, 10, 20]]}, "pairs of numbers", id="triple"),
    pytest.param({"watched": [[0]]}, "pairs of numbers", id="single"),
    pytest.param({"watched": [5, 10]}, "pairs of numbers", id="flat-list"),
    pytest.param({"watched": [[0, 1]] * 501}, "“watched” must be a list", id="501-pairs"),
    pytest.param({"position": "ten"}, "“position” must be a number", id="position-word"),
    pytest.param({"position": [10]}, "“position” must be a number", id="position-list"),
    pytest.param({"position": {"s": 1}}, "“position” must be a number", id="position-object"),
]


@pytest.mark.parametrize(("payload", "fragment"), BAD_PROGRESS_PAYLOADS)
def test_malformed_progress_report_is_400_with_message_and_saves_nothing(
    learner_client, learner, enrolled, payload, fragment
):
    """A malformed heartbeat is refused with a clear message; the progress row is untouched."""
    video = _open_video_seconds_ago(learner, 60)
    before = Progress.objects.get(component=video)
    activity = Enrollment.objects.get(pk=enrolled.pk).last_activity_at
    response = _post_json(learner_client, VIDEO_URL + "progress/", payload)
    assert response.status_code == 400
    assert fragment in response.json()["error"]
    after = Progress.objects.get(component=video)
    assert (after.watched_ranges, after.percent, after.position_seconds, after.updated_at) == (
        before.watched_ranges,
        before.percent,
        before.position_seconds,
        before.updated_at,
    )
    assert Enrollment.objects.get(pk=enrolled.pk).last_activity_at == activity


def test_500_pairs_is_the_largest_report_accepted(learner_client, learner, enrolled):
    """Exactly 500 pairs is still a valid report."""
    _open_video_seconds_ago(learner, 60)
    pairs = [[i / 10, i / 10 + 0.1] for i in range(500)]
    assert (
        _post_json(learner_client, VIDEO_URL + "progress/", {"watched": pairs}).status_code == 200
    )


def test_boolean_position_is_refused(learner_client, learner, enrolled):
    """A boolean is not a number of seconds."""
    video = _open_video_seconds_ago(learner, 60)
    response = _post_json(learner_client, VIDEO_URL + "progress/", {"position": True})
    assert response.status_code == 400
    assert Progress.objects.get(component=video).position_seconds == 0


def test_progress_url_refuses_get(learner_client, enrolled):
    """The progress endpoint answers only POST."""
    response = learner_client.get(VIDEO_URL + "progress/")
    assert response.status_code == 405
    assert not Progress.objects.exists()


@pytest.mark.parametrize("where", ["same-agency", "other-agency"])
def test_another_learners_progress_never_appears(
    learner, agency, other_learner, enrolled, series, where
):
    """Learner B sees none of learner A's progress on any page of the same series."""
    _open_video_seconds_ago(learner, 60)
    services.progress_record(
        user=learner, component=_component("intro-video"), watched_ranges=[[0, 50]], position=50
    )
    services.progress_record(user=learner, component=_component("reading"))
    a_page = _signed_in(learner).get(MODULE_ONE_URL).content
    assert b"Completed" in a_page and b"In progress \xc2\xb7 50%" in a_page  # A sees their own

    other = factories.learner_of(agency) if where == "same-agency" else other_learner
    services.enrollment_create(user=other, series=series)
    b = _signed_in(other)
    for page in ("/", "/series/", SERIES_URL):
        content = b.get(page).content
        assert b'aria-valuenow="0"' in content
        assert b'aria-valuenow="25"' not in content
    module_page = b.get(MODULE_ONE_URL).content
    assert module_page.count(b"Not started") == 2
    assert b"Completed" not in module_page
    reading = b.get(READING_URL).content
    assert b"I have read this" in reading
    assert b"You marked this as read" not in reading
    video = b.get(VIDEO_URL).content
    assert b'data-resume="0.0"' in video
    assert b"<span data-watched-percent>0</span>" in video


def test_unenrolled_learner_sees_no_one_elses_progress(learner, other_learner, enrolled):
    """A learner who has not enrolled sees the enrol form and untouched components."""
    services.progress_record(user=learner, component=_component("reading"))
    b = _signed_in(other_learner)
    assert b"Enroll in this series" in b.get(SERIES_URL).content
    module_page = b.get(MODULE_ONE_URL).content
    assert module_page.count(b"Not started") == 2
    assert b"Completed" not in module_page


@pytest.fixture
def other_series(db) -> Series:
    """Another published series with a module and a component of its own."""
    other = factories.SeriesFactory(slug="other-series")
    module = factories.ModuleFactory(series=other, slug="elsewhere", position=1)
    factories.ComponentFactory(module=module, slug="foreign-reading", position=1)
    factories.video(module, slug="foreign-video", position=2)
    factories.resource_component(module, slug="foreign-support", position=3)
    return other


NOT_FOUND_REQUESTS = [
    ("get", SERIES_URL + "no-such-module/"),
    ("get", SERIES_URL + "no-such-module/advisory/"),
    ("post", SERIES_URL + "no-such-module/advisory/"),
    ("get", SERIES_URL + "no-such-module/reading/"),
    ("get", MODULE_ONE_URL + "no-such-component/"),
    ("post", MODULE_ONE_URL + "no-such-component/progress/"),
    ("get", MODULE_ONE_URL + "no-such-component/open/"),
    ("get", MODULE_ONE_URL + "no-such-component/media/"),
    # a module slug of another series under this series
    ("get", SERIES_URL + "elsewhere/"),
    ("get", SERIES_URL + "elsewhere/foreign-reading/"),
    # another series' component slugs under this series' module
    ("get", MODULE_ONE_URL + "foreign-reading/"),
    ("post", MODULE_ONE_URL + "foreign-reading/progress/"),
    ("get", MODULE_ONE_URL + "foreign-video/media/"),
    ("get", MODULE_ONE_URL + "foreign-support/open/"),
    # this series' component under the wrong module of this series
    ("get", MODULE_TWO_URL + "reading/"),
    ("post", MODULE_TWO_URL + "reading/progress/"),
    ("get", MODULE_TWO_URL + "intro-video/media/"),
    ("get", "/series/no-such-series/"),
]


@pytest.mark.parametrize(("method", "path"), NOT_FOUND_REQUESTS)
def test_unknown_or_foreign_slugs_are_404(
    learner, learner_client, module_one_done, other_series, method, path
):
    """Slugs that do not exist, or belong elsewhere, are 404 and record nothing."""
    services.enrollment_create(user=learner, series=other_series)
    rows = Progress.objects.count()
    response = getattr(learner_client, method)(path)
    assert response.status_code == 404
    assert Progress.objects.count() == rows


# 3. Video rules through the HTTP endpoint -------------------------------------------------------


def test_full_range_posted_right_after_opening_credits_only_the_slack(learner_client, enrolled):
    """Claiming the whole 100 s video the moment the page opens credits about 10 s only."""
    learner_client.get(VIDEO_URL)
    response = _post_json(
        learner_client, VIDEO_URL + "progress/", {"watched": [[0, 100]], "position": 100}
    )
    assert response.status_code == 200
    data = response.json()
    assert 10 <= data["percent"] <= 12
    assert data["completed"] is False
    assert data["state"] == Progress.State.IN_PROGRESS
    progress = Progress.objects.get(component=_component("intro-video"))
    assert progress.watched_ranges == [[0, data["percent"]]]


def test_seeking_to_the_end_does_not_complete_video(learner_client, learner, enrolled):
    """Watching only the last 10 s of the video completes nothing, however long it was open."""
    _open_video_seconds_ago(learner, 600)
    response = _post_json(learner_client, VIDEO_URL + "progress/", {"watched": [[90, 100]]})
    assert response.json()["percent"] == 10
    assert response.json()["completed"] is False


def test_rewatching_the_same_seconds_adds_no_percent(learner_client, learner, enrolled):
    """Seconds already credited never count twice."""
    _open_video_seconds_ago(learner, 30)  # budget 2 x 30 + 10 = 70 s
    first = _post_json(learner_client, VIDEO_URL + "progress/", {"watched": [[0, 50]]})
    assert first.json()["percent"] == 50
    _open_video_seconds_ago(learner, 30)  # plenty of budget again
    again = _post_json(learner_client, VIDEO_URL + "progress/", {"watched": [[0, 50], [10, 40]]})
    assert again.json()["percent"] == 50
    assert Progress.objects.get(component=_component("intro-video")).watched_ranges == [[0, 50]]


def test_video_completes_once_enough_distinct_seconds_are_watched(
    learner_client, learner, enrolled
):
    """90 distinct seconds of a 100 s video, within the wall-clock budget, complete it."""
    _open_video_seconds_ago(learner, 40)  # budget 90 s
    first = _post_json(learner_client, VIDEO_URL + "progress/", {"watched": [[0, 89]]})
    assert first.json()["completed"] is False
    _open_video_seconds_ago(learner, 5)
    second = _post_json(learner_client, VIDEO_URL + "progress/", {"watched": [[89, 90]]})
    assert second.json() == {
        "state": "completed",
        "percent": 90,
        "completed": True,
        "module_completed": False,
        "series_completed": False,
        "series_percent": 25,
    }


def test_resume_position_is_stored_and_shown_on_the_video_page(learner_client, enrolled):
    """The player's position is kept and handed back to the page as data-resume."""
    learner_client.get(VIDEO_URL)
    response = _post_json(learner_client, VIDEO_URL + "progress/", {"position": 42.4})
    assert response.status_code == 200
    assert Progress.objects.get(component=_component("intro-video")).position_seconds == 42.4
    page = learner_client.get(VIDEO_URL).content
    assert b'data-resume="42.4"' in page
    assert b"You left off at 42 seconds." in page


@pytest.mark.parametrize(("position", "stored"), [(-5, 0.0), (1e9, 100.0), ("37.5", 37.5)])
def test_resume_position_is_clamped_to_the_video(learner_client, enrolled, position, stored):
    """A position outside the video is clamped to its length."""
    learner_client.get(VIDEO_URL)
    _post_json(learner_client, VIDEO_URL + "progress/", {"position": position})
    assert Progress.objects.get(component=_component("intro-video")).position_seconds == stored


# 4. Document “I have read this” ---------------------------------------------------------------


def test_read_post_completes_document_and_redirects_to_resume(learner_client, enrolled):
    """“I have read this” completes the document and moves the learner on."""
    response = learner_client.post(READING_URL + "progress/")
    assert response.status_code == 302
    assert response.url == RESUME_URL
    assert _messages(response) == [f"Marked as complete: “{_component('reading').title}”."]
    progress = Progress.objects.get(enrollment=enrolled, component=_component("reading"))
    assert progress.is_complete
    assert progress.completed_at is not None
    page = learner_client.get(READING_URL).content
    assert b"You marked this as read on" in page
    assert b"I have read this" not in page


def test_second_read_post_is_idempotent(learner_client, enrolled):
    """Posting “I have read this” twice keeps one row and the first completion time."""
    learner_client.post(READING_URL + "progress/", follow=True)
    first = Progress.objects.get(component=_component("reading"))
    response = learner_client.post(READING_URL + "progress/")
    assert response.url == RESUME_URL
    assert _messages(response) == []
    assert Progress.objects.filter(component=_component("reading")).count() == 1
    assert Progress.objects.get(component=_component("reading")).completed_at == first.completed_at


def test_completing_last_component_of_a_module_says_module_complete(
    learner_client, learner, enrolled, module_one
):
    """The message names the module when the learner's read completes it."""
    _open_video_seconds_ago(learner, 60)
    services.progress_record(
        user=learner, component=_component("intro-video"), watched_ranges=[[0, 100]]
    )
    response = learner_client.post(READING_URL + "progress/")
    assert _messages(response) == [f"Module complete: “{module_one.title}”."]
    assert learner_client.get(RESUME_URL).url == CHECKLIST_URL


def test_completing_the_series_through_its_pages(learner_client, module_one_done):
    """Opening the resource and reading the checklist completes the series and says so."""
    learner_client.get(SUPPORT_URL + "open/")
    response = learner_client.post(CHECKLIST_URL + "progress/", follow=True)
    assert b"You have completed \xe2\x80\x9cWorking with Victims and Survivors\xe2\x80\x9d" in (
        response.content
    )
    module_one_done.refresh_from_db()
    assert module_one_done.completed_at is not None
    assert module_one_done.percent_complete == 100
    assert b"Completed" in learner_client.get("/").content


# 8. Error pages -------------------------------------------------------------------------------


def test_404_renders_friendly_page_without_debug_details(learner_client, series, settings):
    """With DEBUG off, a missing page is the friendly 404, with no technical details."""
    settings.DEBUG = False
    response = learner_client.get(SERIES_URL + "no-such-module/")
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert b"We could not find that page" in response.content
    for leak in (b"Traceback", b"No such module", b"URLconf", b"Request Method"):
        assert leak not in response.content


def test_404_for_unknown_path_is_friendly_for_anonymous_visitor(client, db, settings):
    """An unknown address is the friendly 404 even before signing in."""
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content


def test_server_error_renders_friendly_500_page(learner_client, settings, monkeypatch):
    """An unexpected error shows the 500 page, which promises progress is saved, and no trace."""
    settings.DEBUG = False

    def broken(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("courses.selectors.series_catalogue", broken)
    learner_client.raise_request_exception = False
    response = learner_client.get("/series/")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content
