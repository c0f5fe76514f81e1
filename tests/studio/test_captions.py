"""The studio's video form: captions uploaded and checked, the transcript, “no speech”, the
publishing rule said where the author fixes it, and nothing lost on a refused submit."""

import base64
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses import content
from courses.models import Component, Series
from tests import factories

pytestmark = pytest.mark.django_db

DEMO_WEBM = Path(__file__).resolve().parents[2] / "courses/data/media/demo-training-video.webm"
GOOD_VTT = b"WEBVTT\n\n00:00.500 --> 00:04.000\nWelcome to the briefing.\n"
SRT = b"1\n00:00:00,500 --> 00:00:04,000\nWelcome to the briefing.\n"


def _new_video(author_client, module, **fields):
    data = {
        "kind": "video",
        "title": "Briefing",
        "duration_seconds": 12,
        "video_file": SimpleUploadedFile("briefing.webm", DEMO_WEBM.read_bytes()),
        **fields,
    }
    return author_client.post(f"/studio/modules/{module.pk}/components/new/", data)


def _edit(author_client, video: Component, **fields):
    data = {
        "title": video.title,
        "slug": video.slug,
        "required": "on",
        "duration_seconds": video.duration_seconds,
        "captions_language": video.captions_language,
        "transcript": video.transcript,
        **fields,
    }
    return author_client.post(f"/studio/components/{video.pk}/edit/", data)


def _field_error(response, field: str) -> str:
    """The error text the form shows under ``field`` (empty when none)."""
    found = re.search(
        rf'id="id_{field}_error" class="invalid-feedback">(.*?)</div>',
        response.content.decode(),
        re.S,
    )
    return re.sub(r"<[^>]+>", "", found[1]).strip() if found else ""


def test_an_author_adds_a_video_with_captions_in_spanish(author_client, series):
    """The .vtt is stored under captions/, with its language; the series stays published."""
    module = series.modules.first()
    response = _new_video(
        author_client,
        module,
        captions_file=SimpleUploadedFile("briefing.es.vtt", GOOD_VTT),
        captions_language="es",
    )
    assert response.status_code == 302
    video = Component.objects.get(title="Briefing")
    assert video.captions_file.name.startswith("captions/briefing.es")
    assert video.captions_language == "es" and not video.transcript and not video.no_speech
    with video.captions_file.open("rb") as handle:
        assert handle.read() == GOOD_VTT


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("briefing.vtt", SRT, "first line must start with “WEBVTT”"),
        ("briefing.srt", SRT, "Upload the captions as a WebVTT file (.vtt)."),
        ("briefing.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nSé\n".encode("latin-1"), "not UTF-8"),
        ("briefing.vtt", b"WEBVTT\n\nNo timings here\n", "holds no captions"),
    ],
)
def test_a_bad_captions_file_is_refused_under_its_field_with_the_rest_kept(
    author_client, series, name, data, message
):
    """Nothing is saved; the title and the transcript typed are in the form again."""
    module = series.modules.first()
    before = Component.objects.count()
    response = _new_video(
        author_client,
        module,
        captions_file=SimpleUploadedFile(name, data),
        transcript="Typed with care.",
    )
    assert response.status_code == 200
    assert message in _field_error(response, "captions_file")
    assert Component.objects.count() == before
    body = response.content.decode()
    assert 'value="Briefing"' in body and "Typed with care.</textarea>" in body
    assert 'name="captions_kept"' not in body


def test_a_captions_file_over_the_limit_is_refused_naming_the_limit(
    author_client, series, settings
):
    settings.LMS_CAPTIONS_MAX_BYTES = 20
    response = _new_video(
        author_client, series.modules.first(), captions_file=SimpleUploadedFile("a.vtt", GOOD_VTT)
    )
    assert "larger than 20\xa0bytes" in _field_error(response, "captions_file")


def test_a_valid_captions_file_survives_a_refused_submit(author_client, series):
    """A browser forgets a chosen file: the page keeps it, says so, and the next submit saves
    it without choosing it again."""
    module = series.modules.first()
    response = _new_video(
        author_client,
        module,
        duration_seconds="",
        captions_file=SimpleUploadedFile("briefing.vtt", GOOD_VTT),
    )
    assert response.status_code == 200
    assert _field_error(response, "duration_seconds")
    body = response.content.decode()
    assert "“briefing.vtt” is kept from your last try" in body
    kept = re.search(r'name="captions_kept" value="([^"]+)"', body)
    assert kept is not None and base64.b64decode(kept[1]) == GOOD_VTT
    assert 'name="captions_kept_name" value="briefing.vtt"' in body
    response = _new_video(
        author_client, module, captions_kept=kept[1], captions_kept_name="briefing.vtt"
    )
    assert response.status_code == 302
    with Component.objects.get(title="Briefing").captions_file.open("rb") as handle:
        assert handle.read() == GOOD_VTT


def test_a_kept_file_is_checked_again_and_a_broken_one_ignored(author_client, series):
    """Hidden fields come from the browser: what they carry passes the same check."""
    module = series.modules.first()
    forged = base64.b64encode(SRT).decode()
    response = _new_video(
        author_client, module, captions_kept=forged, captions_kept_name="x.vtt", transcript="T"
    )
    assert "first line must start with" in _field_error(response, "captions_file")
    response = _new_video(
        author_client, module, captions_kept="not base64!", captions_kept_name="x.vtt"
    )
    assert response.status_code == 200  # no captions then, and no transcript: the rule below
    assert "neither captions nor a transcript" in _field_error(response, "captions_file")
    assert not Component.objects.filter(title="Briefing").exists()


def test_a_narrated_video_without_text_is_refused_under_the_captions_field(author_client, series):
    """In a published series the form says which video and how to fix it; nothing saved."""
    module = series.modules.first()
    response = _new_video(author_client, module)
    assert response.status_code == 200
    error = _field_error(response, "captions_file")
    assert "“Briefing”" in error and "This video has no speech" in error
    assert not Component.objects.filter(title="Briefing").exists()
    assert _new_video(author_client, module, no_speech="on").status_code == 302
    assert Component.objects.get(title="Briefing").no_speech


def test_removing_the_only_text_of_a_published_video_is_refused(author_client, series):
    """Emptying the transcript of a published video: refused, the transcript stays."""
    video = Component.objects.get(slug="intro-video")
    response = _edit(author_client, video, transcript="")
    assert response.status_code == 200
    assert "neither captions nor a transcript" in _field_error(response, "captions_file")
    assert Component.objects.get(pk=video.pk).transcript == video.transcript
    content.component_update(
        component=video, captions_file=SimpleUploadedFile("intro.vtt", GOOD_VTT)
    )
    response = _edit(
        author_client, Component.objects.get(pk=video.pk), **{"captions_file-clear": "on"}
    )
    assert response.status_code == 302  # the transcript is still there
    assert not Component.objects.get(pk=video.pk).captions_file


def test_the_studio_refuses_to_publish_naming_the_videos(author_client):
    """The publish button's refusal names each video that needs captions or a transcript."""
    series = factories.SeriesFactory(status=Series.Status.DRAFT)
    module = factories.ModuleFactory(series=series, title="Module A")
    factories.video(module, title="Opening video", position=1, transcript="")
    factories.video(module, title="Closing video", position=2, transcript="", no_speech=True)
    response = author_client.post(
        f"/studio/series/{series.slug}/status/", {"status": "published"}, follow=True
    )
    body = response.content.decode()
    assert "“Opening video” (module “Module A”) is a video with speech" in body
    assert "These videos" not in body  # one video named: the other has no speech
    assert Series.objects.get(pk=series.pk).status == Series.Status.DRAFT


def test_the_video_form_shows_the_caption_fields_after_the_video(author_client, series):
    """In the order an author works: the file, its length, captions, transcript, no speech."""
    module = series.modules.first()
    body = author_client.get(
        f"/studio/modules/{module.pk}/components/new/?kind=video"
    ).content.decode()
    names = re.findall(r'name="(video_file|duration_seconds|captions_file|captions_language|'
                       r'transcript|no_speech)"', body)  # fmt: skip
    assert names == [
        *("video_file", "duration_seconds", "captions_file", "captions_language"),
        *("transcript", "no_speech"),
    ]
    assert 'accept=".vtt,text/vtt"' in body


def test_the_series_page_marks_the_videos_that_need_captions(author_client):
    """Before publishing, the author sees which videos still need captions or a transcript."""
    series = factories.SeriesFactory(status=Series.Status.DRAFT)
    module = factories.ModuleFactory(series=series)
    factories.video(module, title="Opening video", position=1, transcript="")
    factories.video(module, title="Closing video", position=2)
    body = author_client.get(f"/studio/series/{series.slug}/").content.decode()
    items = re.findall(r'<li class="list-group-item[^"]*" id="component-\d+".*?</li>', body, re.S)
    marked = [item for item in items if "Needs captions or a transcript" in item]
    assert len(items) == 2 and len(marked) == 1 and "Opening video" in marked[0]


def test_the_preview_shows_the_track_from_the_authors_captions_url(author_client, series):
    """Previewing, the track comes from the studio's URL (authors only), as the video does."""
    video = Component.objects.get(slug="intro-video")
    content.component_update(
        component=video, captions_file=SimpleUploadedFile("intro.vtt", GOOD_VTT)
    )
    kwargs = video.url_kwargs()
    captions = reverse("studio:preview-captions", kwargs=kwargs)
    body = author_client.get(reverse("studio:preview-component", kwargs=kwargs)).content.decode()
    assert f'<track kind="captions" src="{captions}" srclang="en" label="English" default>' in body
    response = author_client.get(captions)
    assert response.status_code == 200 and response.content == GOOD_VTT
    author_client.force_login(factories.learner_of(factories.AgencyFactory()))
    assert author_client.get(captions).status_code == 403  # the studio refuses whoever is no author
