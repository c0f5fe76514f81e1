"""Video uploads are checked by their content and size, and served so they never run as a page."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import services
from courses.models import Component

DEMO_WEBM = Path(__file__).resolve().parents[2] / "courses/data/media/demo-training-video.webm"
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


def _upload(author_client, module, upload: SimpleUploadedFile):
    return author_client.post(
        f"/studio/modules/{module.pk}/components/new/",
        {
            "kind": "video",
            "title": "Briefing",
            "duration_seconds": 12,
            "video_file": upload,
            "transcript": "What the briefing says.",
        },
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.mp4", b"<html><script>alert(1)</script></html>", b"not video in the MP4 format"),
        ("page.webm", b"<!doctype html><p>hello</p>", b"not video in the WebM format"),
        # a real video, but not the type its name claims (it would be served as that type)
        ("webm-named.mp4", DEMO_WEBM.read_bytes(), b"not video in the MP4 format"),
        ("short.mp4", b"\x00\x00", b"not video in the MP4 format"),
        ("page.html", b"<p>hi</p>", b"Upload the video as a WebM or MP4 file."),
    ],
)
def test_a_file_that_is_not_the_video_its_name_says_is_refused(
    author_client, series, name, content, message
):
    """An HTML page named .mp4 (or .webm) is refused by its first bytes; nothing is saved."""
    module = series.modules.first()
    before = Component.objects.count()
    response = _upload(author_client, module, SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert Component.objects.count() == before
    assert message in response.content


def test_a_real_webm_is_accepted(author_client, series):
    """The demo WebM passes the signature check and is stored."""
    module = series.modules.first()
    response = _upload(
        author_client, module, SimpleUploadedFile("briefing.webm", DEMO_WEBM.read_bytes())
    )
    assert response.status_code == 302
    assert Component.objects.get(title="Briefing").video_file.name.startswith("videos/briefing")


def test_an_mp4_with_its_ftyp_box_is_accepted(author_client, series):
    """An MP4 is recognised by the ``ftyp`` box at byte 4."""
    module = series.modules.first()
    response = _upload(author_client, module, SimpleUploadedFile("clip.mp4", MP4_HEAD))
    assert response.status_code == 302
    assert Component.objects.filter(title="Briefing").exists()


def test_a_video_over_the_size_limit_is_refused(author_client, series, settings):
    """LMS_VIDEO_MAX_BYTES bounds an upload; the author is told the limit."""
    settings.LMS_VIDEO_MAX_BYTES = 1024
    module = series.modules.first()
    before = Component.objects.count()
    response = _upload(
        author_client, module, SimpleUploadedFile("briefing.webm", DEMO_WEBM.read_bytes())
    )
    assert response.status_code == 200
    assert b"The video is larger than 1.0\xc2\xa0KB" in response.content
    assert Component.objects.count() == before


def test_video_is_served_inline_sandboxed_and_not_sniffed(author_client, series, learner, client):
    """The media response names the file, forbids sniffing and sandboxes anything it holds."""
    module = series.modules.first()
    _upload(author_client, module, SimpleUploadedFile("briefing.webm", DEMO_WEBM.read_bytes()))
    video = Component.objects.get(title="Briefing")
    services.enrollment_create(user=learner, series=series)
    client.force_login(learner)
    url = f"/series/{series.slug}/{module.slug}/{video.slug}/media/"
    for headers in ({}, {"Range": "bytes=0-99"}):
        response = client.get(url, headers=headers)
        assert response.status_code in (200, 206)
        assert response["Content-Disposition"] == f'inline; filename="{video.slug}.webm"'
        assert response["Content-Security-Policy"] == "sandbox"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "video/webm"
