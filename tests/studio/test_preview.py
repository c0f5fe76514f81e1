"""“Preview as learner”: an author walks through any series as a learner meets it, and nothing
is recorded; everyone else is kept out, and the learner's own pages are unchanged."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from courses.models import (
    AdvisoryAcknowledgement,
    Component,
    Enrollment,
    ModuleCompletion,
    Progress,
    QuizAnswer,
    QuizAttempt,
    Series,
    SurveyAnswer,
    SurveyResponse,
)
from tests import factories

pytestmark = pytest.mark.django_db

BANNER = "this is what learners see; nothing you do here is recorded."
RECORDS = (
    Enrollment,
    Progress,
    ModuleCompletion,
    QuizAttempt,
    QuizAnswer,
    SurveyResponse,
    SurveyAnswer,
    AdvisoryAcknowledgement,
)


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    settings.LMS_REQUIRE_MFA = False


@pytest.fixture
def draft(db):
    """A draft series: module one (video, reading, toolkit resource) behind a content advisory,
    module two building on it (quiz, survey, certificate), and an archived module and
    component that nobody sees."""
    series = factories.SeriesFactory(
        slug="draft-series", title="Draft series", status=Series.Status.DRAFT
    )
    first = factories.ModuleFactory(
        series=series,
        slug="first",
        title="First module",
        position=1,
        content_advisory="This module describes abuse in detail.",
    )
    factories.video(first, slug="intro", title="Intro video", position=1)
    factories.ComponentFactory(
        module=first, slug="reading", title="The reading", position=2, body="Words matter."
    )
    factories.resource_component(first, slug="support", title="Support resource", position=3)
    factories.ComponentFactory(
        module=first, slug="old", title="Old reading", position=4, archived_at=timezone.now()
    )
    second = factories.ModuleFactory(
        series=series, slug="second", title="Second module", position=2
    )
    second.prerequisites.add(first)
    factories.quiz(second, slug="check", title="Check quiz", position=1, shuffle=True)
    factories.survey(second, slug="feedback", title="Feedback survey", position=2)
    factories.ComponentFactory(
        module=second,
        slug="certificate",
        title="Certificate",
        kind=Component.Kind.CERTIFICATE,
        required=False,
        position=3,
        body="",
        certificate_signatory="The Director",
    )
    factories.ModuleFactory(
        series=series, slug="gone", title="Gone module", position=3, archived_at=timezone.now()
    )
    return series


@pytest.fixture
def author_client(client):
    client.force_login(factories.author(email="preview.author@example.org"))
    return client


def _series_url(series):
    return reverse("studio:preview-series", kwargs={"series_slug": series.slug})


def _module_url(series, module_slug):
    return reverse(
        "studio:preview-module", kwargs={"series_slug": series.slug, "module_slug": module_slug}
    )


def _component_url(component, name="studio:preview-component"):
    return reverse(name, kwargs=component.url_kwargs())


def _counts():
    return {model.__name__: model.objects.count() for model in RECORDS}


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _every_url(series):
    urls = [_series_url(series)]
    for module in series.modules.filter(archived_at__isnull=True):
        urls.append(_module_url(series, module.slug))
        for component in module.components.filter(archived_at__isnull=True):
            urls.append(_component_url(component))
    return urls


def test_author_previews_every_page_of_a_draft_series_that_learners_cannot_see(
    author_client, draft, learner
):
    """A learner gets 404 for the draft; the author opens its series, module and every
    component page, each under the preview banner."""
    learner_client = Client()
    learner_client.force_login(learner)
    assert learner_client.get(draft.get_absolute_url()).status_code == 404

    urls = _every_url(draft)
    assert len(urls) == 9  # the series, two modules, six components
    for url in urls:
        body = _page(author_client, url)
        assert BANNER in body, url
        assert "A draft: learners do not see this series" in body


def test_previewing_records_nothing(author_client, draft):
    """Every page, the video and the resource link: no enrolment, progress, attempt, response
    or acknowledgement comes of it, even with the quiz's form sent back as a GET."""
    before = _counts()
    assert set(before.values()) == {0}
    for url in _every_url(draft):
        _page(author_client, url)
    video = Component.objects.get(module__series=draft, slug="intro")
    media = author_client.get(_component_url(video, "studio:preview-media"))
    assert media.status_code == 200
    b"".join(media.streaming_content)
    quiz = Component.objects.get(module__series=draft, slug="check")
    _page(author_client, _component_url(quiz) + "?attempt=&q1=1")
    assert _counts() == before


def test_series_page_links_into_the_preview_and_enrolling_is_turned_off(author_client, draft):
    body = _page(author_client, _series_url(draft))
    assert f'href="{_module_url(draft, "first")}"' in body
    assert f'href="{_module_url(draft, "second")}"' in body
    assert "Gone module" not in body
    assert "Enroll in this series</button>" in body and "disabled" in body
    assert reverse("courses:series-enrol", kwargs={"series_slug": draft.slug}) not in body
    assert f'href="{draft.get_absolute_url()}' not in body
    # Module two is shown locked, as a learner who has just started meets it.
    assert "Builds on “First module”: complete that first to open this module." in body


def test_module_page_shows_the_advisory_and_links_every_component(author_client, draft):
    """The advisory's text is on the module page (a learner would have it before the module);
    every live component is a link into the preview, the archived one is not there."""
    body = _page(author_client, _module_url(draft, "first"))
    assert "This module describes abuse in detail." in body
    for slug in ("intro", "reading", "support"):
        component = Component.objects.get(module__series=draft, slug=slug)
        assert f'href="{_component_url(component)}"' in body
    assert "Old reading" not in body
    assert "Enroll in" not in body


def test_a_prerequisite_is_shown_but_does_not_block_the_author(author_client, draft):
    body = _page(author_client, _module_url(draft, "second"))
    assert "This module builds on" in body and f'href="{_module_url(draft, "first")}"' in body
    quiz = Component.objects.get(module__series=draft, slug="check")
    assert f'href="{_component_url(quiz)}"' in body
    _page(author_client, _component_url(quiz))


def test_quiz_shows_its_first_attempts_questions_with_submit_disabled(author_client, draft):
    quiz = Component.objects.get(module__series=draft, slug="check")
    body = _page(author_client, _component_url(quiz))
    for question in quiz.questions.prefetch_related("choices"):
        assert question.text in body
        for choice in question.choices.all():
            assert f'value="{choice.pk}"' in body
    assert '<button type="submit" class="btn btn-brand" disabled>Submit answers</button>' in body
    assert "Start the quiz" not in body
    main = body[body.index("<main") : body.index("</main>")]  # the footer's language switcher posts
    assert 'method="post"' not in main
    assert reverse("courses:quiz-submit", kwargs=quiz.url_kwargs()) not in body


def test_a_quiz_without_questions_says_so(author_client, draft):
    empty = factories.ComponentFactory(
        module=draft.modules.get(slug="second"), slug="empty", kind="quiz", pass_mark=50, body=""
    )
    assert "This quiz has no questions yet." in _page(author_client, _component_url(empty))


def test_survey_shows_its_questions_with_submit_disabled(author_client, draft):
    survey = Component.objects.get(module__series=draft, slug="feedback")
    body = _page(author_client, _component_url(survey))
    for question in survey.questions.all():
        assert question.text in body
    assert '<button type="submit" class="btn btn-brand" disabled>Submit</button>' in body
    main = body[body.index("<main") : body.index("</main>")]  # the footer's language switcher posts
    assert 'method="post"' not in main
    assert reverse("courses:survey-submit", kwargs=survey.url_kwargs()) not in body


def test_reading_cannot_be_marked_read(author_client, draft):
    reading = Component.objects.get(module__series=draft, slug="reading")
    body = _page(author_client, _component_url(reading))
    assert "Words matter." in body
    assert '<button type="button" class="btn btn-brand" disabled>I have read this</button>' in body
    assert reverse("courses:component-progress", kwargs=reading.url_kwargs()) not in body


def test_resource_opens_the_publishers_page_without_the_tracked_link(author_client, draft):
    resource = Component.objects.get(module__series=draft, slug="support")
    body = _page(author_client, _component_url(resource))
    assert f'href="{resource.resource.url}"' in body
    assert reverse("courses:component-open", kwargs=resource.url_kwargs()) not in body
    assert "data-refresh-on-open" not in body


def test_video_plays_from_the_preview_media_url_without_the_progress_script(author_client, draft):
    video = Component.objects.get(module__series=draft, slug="intro")
    body = _page(author_client, _component_url(video))
    assert f'<source src="{_component_url(video, "studio:preview-media")}">' in body
    assert "data-progress-url" not in body and "js/video.js" not in body
    ranged = author_client.get(
        _component_url(video, "studio:preview-media"), headers={"range": "bytes=0-99"}
    )
    assert ranged.status_code == 206 and ranged["Content-Range"].startswith("bytes 0-99/")
    assert len(b"".join(ranged.streaming_content)) == 100


def test_certificate_page_shows_what_a_learner_who_has_not_finished_sees(author_client, draft):
    certificate = Component.objects.get(module__series=draft, slug="certificate")
    body = _page(author_client, _component_url(certificate))
    assert "remaining required components to receive your certificate (0% so far)" in body
    assert "Signed by The Director." in body


def test_previous_and_next_links_walk_the_preview_across_modules(author_client, draft):
    support = Component.objects.get(module__series=draft, slug="support")
    quiz = Component.objects.get(module__series=draft, slug="check")
    body = _page(author_client, _component_url(support))
    assert f'data-next-link href="{_component_url(quiz)}"' in body
    assert f'href="{draft.get_absolute_url()}' not in body  # nothing leads to learner pages


@pytest.mark.parametrize("status", [Series.Status.PUBLISHED, Series.Status.ARCHIVED])
def test_published_and_archived_series_are_previewed_too(author_client, draft, status):
    draft.status = status
    draft.save()
    for url in _every_url(draft):
        assert BANNER in _page(author_client, url)


def test_staff_may_preview(client, draft):
    client.force_login(factories.UserFactory(is_staff=True))
    assert client.get(_series_url(draft)).status_code == 200


def _all_urls(series):
    video = Component.objects.get(module__series=series, slug="intro")
    return [*_every_url(series), _component_url(video, "studio:preview-media")]


def test_learners_and_supervisors_get_403(client, draft, learner, agency):
    """Enrolled or not, a learner is refused; so is a supervisor."""
    supervisor = factories.supervisor_of(agency)
    for user in (learner, supervisor):
        client.force_login(user)
        for url in _all_urls(draft):
            assert client.get(url).status_code == 403, (user, url)


def test_anonymous_users_are_sent_to_sign_in(client, draft):
    for url in _all_urls(draft):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_preview_is_read_only(author_client, draft):
    """GET only: a POST (of the quiz form, say) is refused and records nothing."""
    quiz = Component.objects.get(module__series=draft, slug="check")
    assert author_client.post(_component_url(quiz), {"q1": "1"}).status_code == 405
    assert set(_counts().values()) == {0}


@pytest.mark.parametrize(
    "path",
    [
        "no-such-series/",
        "draft-series/no-such-module/",
        "draft-series/gone/",  # archived
        "draft-series/first/no-such-component/",
        "draft-series/first/old/",  # archived
        "draft-series/second/intro/",  # a component of another module
        "draft-series/first/reading/media/",  # not a video
        "draft-series/first/old/media/",
    ],
)
def test_unknown_or_archived_slugs_are_404(author_client, draft, path):
    assert author_client.get(f"/studio/preview/{path}").status_code == 404


def test_the_missing_video_file_is_404(author_client, draft, settings):
    video = Component.objects.get(module__series=draft, slug="intro")
    (settings.MEDIA_ROOT / video.video_file.name).unlink()
    assert author_client.get(_component_url(video, "studio:preview-media")).status_code == 404


def test_preview_pages_take_a_fixed_number_of_queries(
    author_client, draft, django_assert_max_num_queries
):
    """The outline is three queries however many modules and components there are: with the
    session, the user, the author check, the series and the quiz's questions and choices, 9."""
    url = _component_url(Component.objects.get(module__series=draft, slug="check"))
    with django_assert_max_num_queries(9):
        _page(author_client, url)


def test_the_learners_own_pages_carry_no_preview(client, series, learner):
    """Without the preview flag the learner's pages link to the learner's URLs, no banner."""
    course_services.enrollment_create(user=learner, series=series)
    client.force_login(learner)
    reading = Component.objects.get(module__series=series, slug="reading")
    body = _page(client, reading.get_absolute_url())
    assert BANNER not in body and "/studio/" not in body
    assert reverse("courses:component-progress", kwargs=reading.url_kwargs()) in body
    module_body = _page(client, series.modules.get(slug="understanding").get_absolute_url())
    assert f'href="{reading.get_absolute_url()}"' in module_body and BANNER not in module_body


def test_the_studio_series_page_links_to_the_preview(author_client, draft):
    body = _page(author_client, reverse("studio:series-detail", kwargs={"series_slug": draft.slug}))
    assert f'href="{_series_url(draft)}">Preview as learner</a>' in body
