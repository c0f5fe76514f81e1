"""Captions and transcripts of videos: the WebVTT check, the publishing rule, the protected
captions URL, the player's track and Transcript disclosure, and the series file."""

import io
import json
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from courses import content, services
from courses.content import CaptionsRequired, ContentRefused, series_import
from courses.exporting import series_export
from courses.importing import MEDIA_DIR, ImportRefused
from courses.management.commands.seed_demo import DATA, SERIES_FILES
from courses.media import webvtt_problem
from courses.models import Component, Series
from tests import factories

pytestmark = pytest.mark.django_db

GOOD_VTT = (
    b"WEBVTT\n\n00:00.500 --> 00:04.000\nWelcome.\n\n00:00:04.000 --> 00:00:08.000\nThanks.\n"
)
DEMO_VTT = MEDIA_DIR / "demo-training-video.en.vtt"
SERIES_URL = "/series/working-with-survivors/"
VIDEO_URL = SERIES_URL + "understanding/intro-video/"
CAPTIONS_URL = VIDEO_URL + "captions/"


def _video() -> Component:
    return Component.objects.select_related("module__series").get(slug="intro-video")


def _give_captions(video: Component, data: bytes = GOOD_VTT, language: str = "en") -> None:
    content.component_update(
        component=video,
        captions_file=ContentFile(data, name="intro.vtt"),
        captions_language=language,
    )


# --- The WebVTT check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        GOOD_VTT,
        b"\xef\xbb\xbf" + GOOD_VTT,  # a byte order mark
        b"WEBVTT - Briefing captions\r\n\r\n01:00:00.000 --> 01:00:01.000 align:start\r\nHi\r\n",
        "WEBVTT\n\n00:01.000 --> 00:02.000\nSe\u00f1ora, \u00bfest\u00e1 bien?\n".encode(),
    ],
)
def test_webvtt_files_pass_the_check(data):
    """UTF-8 with or without a BOM, a header after the signature, hours, cue settings, CRLF."""
    assert webvtt_problem(data) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"1\n00:00:01,000 --> 00:00:04,000\nAn SRT file\n", "first line must start with"),
        (b"WEBVTTX\n\n00:01.000 --> 00:02.000\nNo\n", "first line must start with"),
        (b"", "first line must start with"),
        ((MEDIA_DIR / "demo-training-video.webm").read_bytes(), "not UTF-8"),
        ("WEBVTT\n\n00:01.000 --> 00:02.000\nS\u00e9\n".encode("latin-1"), "not UTF-8"),
        (b"WEBVTT\n\nNOTE nothing else\n", "holds no captions"),
        (b"WEBVTT\n\n00:01 --> 00:02\nNo milliseconds\n", "holds no captions"),
        (b"WEBVTT\n\n00:01.000 --> 00:02.000\n\x00\x01\n", "binary data"),
    ],
)
def test_what_is_not_webvtt_is_refused_saying_why(data, message):
    """An SRT, a video, Latin-1 text, a file with no cue: each gets its own message."""
    problem = webvtt_problem(data)
    assert problem is not None and message in problem


def test_a_captions_file_over_the_limit_is_refused_naming_it(settings):
    """LMS_CAPTIONS_MAX_BYTES bounds a captions file, whatever path it comes by."""
    settings.LMS_CAPTIONS_MAX_BYTES = 16
    assert webvtt_problem(GOOD_VTT) == (
        "The captions file is larger than 16\xa0bytes: upload a smaller file."
    )


def test_the_demo_captions_are_webvtt_within_the_demo_video():
    """The shipped captions pass the check, and every cue ends within the 12-second video."""
    data = DEMO_VTT.read_bytes()
    assert webvtt_problem(data) is None
    ends = re.findall(r"--> 00:00:(\d\d\.\d{3})", data.decode())
    assert ends and max(float(end) for end in ends) <= 12


# --- Publishing -----------------------------------------------------------------------------


@pytest.fixture
def draft(db) -> Series:
    """A draft series with a required video and an optional one, both without text."""
    series = factories.SeriesFactory(slug="draft-series", status=Series.Status.DRAFT)
    module = factories.ModuleFactory(series=series, slug="only", title="The only module")
    factories.video(module, slug="briefing", title="Briefing", position=1, transcript="")
    factories.video(module, slug="extra", title="Extra", position=2, required=False, transcript="")
    return series


def test_a_series_with_videos_needing_captions_is_not_published_and_both_are_named(draft):
    """The refusal names every video at fault, required or optional; it stays a draft."""
    with pytest.raises(CaptionsRequired) as refusal:
        content.series_set_status(series=draft, status=Series.Status.PUBLISHED)
    message = str(refusal.value)
    assert "“Briefing” (module “The only module”)" in message
    assert "“Extra” (module “The only module”)" in message
    assert "This video has no speech" in message
    assert Series.objects.get(pk=draft.pk).status == Series.Status.DRAFT


@pytest.mark.parametrize(
    "fix",
    [
        {"transcript": "What the briefing says."},
        {"captions_file": ContentFile(GOOD_VTT, name="briefing.vtt")},
        {"no_speech": True},
    ],
    ids=["transcript", "captions", "no-speech"],
)
def test_captions_a_transcript_or_no_speech_each_let_it_be_published(draft, fix):
    """Any one of the three is enough for each video."""
    for video in Component.objects.filter(module__series=draft):
        content.component_update(component=video, **fix)
    content.series_set_status(series=draft, status=Series.Status.PUBLISHED)
    assert Series.objects.get(pk=draft.pk).status == Series.Status.PUBLISHED


def test_an_archived_video_does_not_hold_the_series_back(draft):
    """Only videos learners meet count; a blank transcript is no transcript."""
    content.component_update(
        component=Component.objects.get(slug="briefing"), transcript="Said in the briefing."
    )
    Component.objects.filter(slug="extra").update(archived_at=timezone.now())
    content.series_set_status(series=draft, status=Series.Status.PUBLISHED)
    Component.objects.filter(slug="extra").update(archived_at=None)
    with pytest.raises(CaptionsRequired, match="“Extra”"):
        content.component_update(component=Component.objects.get(slug="briefing"), transcript="   ")


def test_taking_the_text_from_a_published_video_is_refused_and_nothing_changes(series):
    """The rule holds for every change of a published series, not only the publishing."""
    video = _video()
    with pytest.raises(CaptionsRequired, match=r"“Component \d+”"):
        content.component_update(component=video, transcript="")
    assert _video().transcript == "What the instructor says in the video."


def test_a_new_video_with_speech_and_no_text_is_refused_in_a_published_series(series):
    """Adding one is refused as a whole: no component is created."""
    module = series.modules.get(slug="understanding")
    before = Component.objects.count()
    with pytest.raises(ContentRefused, match="“New briefing”"):
        content.component_create(
            module=module,
            kind="video",
            title="New briefing",
            video_file="videos/demo-training-video.webm",
            duration_seconds=12,
        )
    assert Component.objects.count() == before


def test_a_draft_may_hold_a_video_without_captions_for_now(draft):
    """Authors add the captions before publishing, not before saving."""
    module = draft.modules.get()
    created = content.component_create(
        module=module,
        kind="video",
        title="Later",
        video_file="videos/demo-training-video.webm",
        duration_seconds=12,
    )
    assert created.needs_captions


# --- The captions URL -------------------------------------------------------------------------


def test_an_enrolled_learner_gets_the_captions_as_webvtt(series, learner, learner_client):
    """The stored bytes, as text/vtt, never sniffed or run as a page."""
    _give_captions(_video())
    services.enrollment_create(user=learner, series=series)
    response = learner_client.get(CAPTIONS_URL)
    assert response.status_code == 200
    assert response.content == GOOD_VTT
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'inline; filename="intro-video.vtt"'
    assert "no-store" in response["Cache-Control"]


def test_captions_are_refused_to_whoever_may_not_watch_the_video(
    series, learner, other_learner, client
):
    """Signed out: sign in; not enrolled (another agency's learner, or not yet): 404."""
    _give_captions(_video())
    response = client.get(CAPTIONS_URL)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    for user in (learner, other_learner):
        client.force_login(user)
        assert client.get(CAPTIONS_URL).status_code == 404
        assert client.get(VIDEO_URL + "media/").status_code == 404  # as the video is
    services.enrollment_create(user=other_learner, series=series)
    assert client.get(CAPTIONS_URL).status_code == 200


def test_captions_of_an_archived_video_or_a_draft_series_are_404(series, learner, learner_client):
    """Nobody fetches the captions of what learners no longer (or not yet) see."""
    _give_captions(_video())
    services.enrollment_create(user=learner, series=series)
    Component.objects.filter(slug="intro-video").update(archived_at=timezone.now())
    assert learner_client.get(CAPTIONS_URL).status_code == 404
    Component.objects.filter(slug="intro-video").update(archived_at=None)
    Series.objects.filter(pk=series.pk).update(status=Series.Status.DRAFT)
    assert learner_client.get(CAPTIONS_URL).status_code == 404


def test_no_captions_a_missing_file_or_another_kind_is_404(series, learner, learner_client):
    """A video without captions, a captions file gone from storage, a reading: 404, no error."""
    services.enrollment_create(user=learner, series=series)
    assert learner_client.get(CAPTIONS_URL).status_code == 404
    assert learner_client.get(SERIES_URL + "understanding/reading/captions/").status_code == 404
    Component.objects.filter(slug="intro-video").update(captions_file="captions/gone.vtt")
    assert learner_client.get(CAPTIONS_URL).status_code == 404


# --- The player -------------------------------------------------------------------------------


def _video_page(client: Client) -> str:
    response = client.get(VIDEO_URL)
    assert response.status_code == 200
    return response.content.decode()


def test_the_player_shows_the_captions_by_default_and_the_transcript_below(
    series, learner, learner_client
):
    """One default captions track (its language named) and a Transcript disclosure, escaped."""
    _give_captions(_video(), language="es")
    content.component_update(component=_video(), transcript="Line one <b>\n\nLine two")
    services.enrollment_create(user=learner, series=series)
    body = _video_page(learner_client)
    assert (
        f'<track kind="captions" src="{CAPTIONS_URL}" srclang="es" label="Spanish" default>' in body
    )
    assert body.count("<track") == 1
    disclosure = re.search(r'<details[^>]*id="video-transcript">(.*?)</details>', body, re.S)
    assert disclosure is not None
    assert "<summary>Transcript</summary>" in disclosure[1]
    assert "<p>Line one &lt;b&gt;</p>" in disclosure[1] and "<p>Line two</p>" in disclosure[1]
    assert body.index("</video>") < body.index('id="video-transcript"')


def test_the_player_offers_only_what_the_video_has(series, learner, learner_client):
    """No captions: no track; no transcript: no disclosure; no speech: said in words."""
    services.enrollment_create(user=learner, series=series)
    body = _video_page(learner_client)
    assert "<track" not in body and "<summary>Transcript</summary>" in body
    content.component_update(component=_video(), transcript="", no_speech=True)
    body = _video_page(learner_client)
    assert "<track" not in body and "video-transcript" not in body
    assert "This video has no speech." in body


# --- The series file --------------------------------------------------------------------------


def _wipe_series() -> None:
    Series.objects.all().delete()


def test_captions_and_transcripts_round_trip_through_the_series_file(series):
    """Export, import into a database with no series, export: the same document, and the
    captions the same bytes (found in media storage by their file name)."""
    _give_captions(_video(), language="es")
    content.component_update(component=_video(), transcript="Said.", no_speech=False)
    first = series_export(series=series)
    exported = first["series"]["modules"][0]["components"][0]
    assert exported["captions_file"] == Path(_video().captions_file.name).name
    assert (exported["captions_language"], exported["transcript"]) == ("es", "Said.")
    _wipe_series()
    series_import(first)
    again = Series.objects.get(slug=series.slug)
    assert series_export(series=again) == first
    with _video().captions_file.open("rb") as handle:
        assert handle.read() == GOOD_VTT


def test_an_old_file_without_the_new_keys_still_imports(db):
    """A draft written before captions existed: imported, its video waiting for captions."""
    document = json.loads((DATA / SERIES_FILES[0]).read_text())
    document["series"]["status"] = "draft"
    document["resources"] = []
    for module in document["series"]["modules"]:
        module["components"] = [c for c in module["components"] if c["kind"] == "video"]
        for component in module["components"]:
            for key in ("captions_file", "captions_language", "transcript", "no_speech"):
                component.pop(key)
    series, _changed = series_import(document)
    videos = Component.objects.filter(module__series=series)
    assert videos.count() == 2 and all(video.needs_captions for video in videos)


def test_an_old_published_file_with_a_narrated_video_is_refused_naming_it(db):
    """Published, it must say how learners follow the video: the refusal names the video."""
    document = json.loads((DATA / SERIES_FILES[0]).read_text())
    document["resources"] = []
    module = document["series"]["modules"][0]
    module["components"] = [module["components"][0]]
    document["series"]["modules"] = [module]
    for key in ("captions_file", "transcript"):
        module["components"][0].pop(key)
    with pytest.raises(ImportRefused, match="series: “Video: Understanding CSAM"):
        series_import(document)
    assert not Series.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../secrets.vtt", "expected the bare name of a .vtt file"),
        ("captions.srt", "expected the bare name of a .vtt file"),
        ("nowhere.vtt", "no captions file “nowhere.vtt”"),
        ("not-webvtt.vtt", "first line must start with “WEBVTT”"),
    ],
)
def test_a_file_naming_bad_captions_is_refused_naming_the_field(db, settings, name, message):
    """The file's captions pass the studio's own check, or nothing is imported."""
    (Path(settings.MEDIA_ROOT) / "captions" / "not-webvtt.vtt").write_bytes(b"1\nHello\n")
    document = json.loads((DATA / SERIES_FILES[0]).read_text())
    document["resources"] = []
    document["series"]["status"] = "draft"
    for module in document["series"]["modules"]:
        module["components"] = [c for c in module["components"] if c["kind"] == "video"]
    document["series"]["modules"][1]["components"][0]["captions_file"] = name
    with pytest.raises(ImportRefused) as refusal:
        series_import(document)
    assert str(refusal.value).startswith("series.modules[1].components[0].captions_file: ")
    assert message in str(refusal.value)
    assert not Series.objects.exists()


def test_seed_demo_ships_captions_and_a_transcript_for_each_demo_video(monkeypatch):
    """Both demo videos: the shipped captions, in English, and a transcript."""
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("seed_demo", stdout=io.StringIO())
    videos = Component.objects.filter(kind="video", module__series__status="published")
    assert videos.count() == 2
    for video in videos:
        assert video.captions_file.name == "captions/demo-training-video.en.vtt"
        assert video.captions_language == "en" and video.transcript.strip()
        with video.captions_file.open("rb") as handle:
            assert handle.read() == DEMO_VTT.read_bytes()
