"""Captions and transcripts in a real browser: the demo video shows its captions by default and
a Transcript disclosure that opens from the keyboard; the studio's form refuses a bad .vtt."""

import re

import pytest
from playwright.sync_api import Page, expect

from courses.models import Component
from tests.browser.test_learner_path import DEMO_PASSWORD, _seed, _sign_in

pytestmark = pytest.mark.browser

VIDEO_PATH = (
    "/series/working-with-victims-and-survivors-of-csam/understanding-csam-and-its-impacts/"
    "video-understanding-csam-and-its-impacts/"
)
PHONE = {"width": 375, "height": 812}


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    settings.LMS_REQUIRE_MFA = False


def _open_video(page: Page) -> None:
    page.goto(VIDEO_PATH)
    if page.get_by_role("heading", level=1).text_content() == "Before you start this module":
        page.get_by_role("button", name="I understand, continue to the module").click()
        page.goto(VIDEO_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Video: Understanding CSAM and Its Impacts"
    )


def test_the_demo_video_shows_captions_by_default_and_the_transcript_opens(
    page: Page, screenshot, monkeypatch
):
    _seed(monkeypatch)
    _sign_in(page, "learner@example.com", DEMO_PASSWORD)
    with page.expect_response(re.compile(r"/captions/$")) as captions:
        _open_video(page)
    assert captions.value.status == 200
    assert captions.value.headers["content-type"] == "text/vtt; charset=utf-8"

    track = page.locator("#training-video track")
    expect(track).to_have_attribute("kind", "captions")
    expect(track).to_have_attribute("srclang", "en")
    expect(track).to_have_attribute("label", "English")
    # Shown by default: the browser loaded the track and turned it on; cue 1 at one second.
    page.wait_for_function(
        "() => { const t = document.getElementById('training-video').textTracks[0];"
        " return t && t.mode === 'showing' && t.cues && t.cues.length === 3; }"
    )
    page.evaluate("() => { document.getElementById('training-video').currentTime = 1.5; }")
    page.wait_for_function(
        "() => { const c = document.getElementById('training-video').textTracks[0].activeCues;"
        " return c && c.length === 1 && c[0].text.includes('stands in for the training video'); }"
    )

    # The transcript: closed at first, opened from the keyboard, read as text.
    transcript = page.locator("#video-transcript")
    summary = transcript.get_by_text("Transcript", exact=True)
    text = transcript.get_by_text("In the full video, an instructor introduces")
    expect(text).to_be_hidden()
    summary.focus()
    expect(summary).to_be_focused()
    page.keyboard.press("Enter")
    expect(transcript).to_have_attribute("open", "")
    expect(text).to_be_visible()
    screenshot(page, "captions-01-video-page-1280")
    page.set_viewport_size(PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "captions-02-video-page-375")
    page.keyboard.press("Enter")  # and closed again
    expect(text).to_be_hidden()


def test_the_author_uploads_captions_and_a_bad_file_is_refused(
    page: Page, screenshot, monkeypatch, tmp_path
):
    _seed(monkeypatch)
    video = Component.objects.get(slug="video-understanding-csam-and-its-impacts")
    _sign_in(page, "author@example.com", DEMO_PASSWORD)
    page.goto(f"/studio/components/{video.pk}/edit/")
    expect(page.get_by_label("Transcript")).to_have_value(re.compile(r"^\[On screen:"))
    expect(page.get_by_label("This video has no speech")).not_to_be_checked()
    screenshot(page, "captions-03-studio-form-1280")

    srt = tmp_path / "briefing.vtt"
    srt.write_bytes(b"1\n00:00:00,500 --> 00:00:04,000\nAn SRT file, renamed.\n")
    page.get_by_label("Captions (WebVTT)").set_input_files(str(srt))
    page.get_by_label("Transcript").fill("A transcript typed before the bad file.")
    page.get_by_role("button", name="Save").click()
    error = page.locator("#id_captions_file_error")
    expect(error).to_contain_text("its first line must start with “WEBVTT”")
    expect(page.get_by_label("Captions (WebVTT)")).to_have_attribute(
        "aria-invalid", "true"
    )  # read with the field by a screen reader
    expect(page.get_by_label("Transcript")).to_have_value("A transcript typed before the bad file.")
    screenshot(page, "captions-04-studio-bad-file-1280")
    page.set_viewport_size(PHONE)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "captions-05-studio-bad-file-375")

    good = tmp_path / "briefing-es.vtt"
    good.write_text("WEBVTT\n\n00:00.500 --> 00:04.000\nUn marcador de posición.\n", "utf-8")
    page.get_by_label("Captions (WebVTT)").set_input_files(str(good))
    page.get_by_label("Language of the captions").select_option("es")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Component saved.")).to_be_visible()
    video.refresh_from_db()
    assert video.captions_language == "es"
    assert video.transcript == "A transcript typed before the bad file."
    with video.captions_file.open("rb") as handle:
        assert "Un marcador de posición." in handle.read().decode()
