"""A component's video and its captions: the types accepted, and how they are served to whoever
may watch the video."""

from __future__ import annotations

import logging
import re
from typing import IO, BinaryIO, cast

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.template.defaultfilters import filesizeformat
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from courses.models import Component
from lms.http import ranged_file_response

logger = logging.getLogger(__name__)

# The videos accepted (by suffix), and the type each is served as: anything else is served as a
# download, never as a page of this site.
VIDEO_TYPES = {".webm": "video/webm", ".mp4": "video/mp4"}
CAPTIONS_SUFFIX = ".vtt"
CAPTIONS_TYPE = "text/vtt"
# The signature line (WebVTT §4.1: "WEBVTT", then a space, a tab, a line break or the end), and a
# cue's timings: "00:01.000 --> 00:04.000", hours optional.
_WEBVTT_SIGNATURE = re.compile(r"WEBVTT(?:[ \t\r\n]|$)")
_TIMESTAMP = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
_CUE_TIMINGS = re.compile(rf"^{_TIMESTAMP}[ \t]+-->[ \t]+{_TIMESTAMP}(?:[ \t]|$)", re.MULTILINE)


def video_signature_matches(handle: IO[bytes], suffix: str) -> bool:
    """True when the file's first bytes are those of the type its suffix names: an MP4 has its
    ``ftyp`` box at byte 4, a WebM starts with the EBML magic. Leaves the file at its start."""
    handle.seek(0)
    head = handle.read(12)
    handle.seek(0)
    if suffix == ".mp4":
        return head[4:8] == b"ftyp"
    if suffix == ".webm":
        return head[:4] == b"\x1a\x45\xdf\xa3"
    return False


def webvtt_problem(data: bytes) -> str | None:
    """What is wrong with these bytes as a captions file, for the author; None when they are
    WebVTT: at most ``LMS_CAPTIONS_MAX_BYTES``, UTF-8 (a byte order mark allowed), the
    ``WEBVTT`` signature first, and at least one cue."""
    limit = settings.LMS_CAPTIONS_MAX_BYTES
    if len(data) > limit:
        return _("The captions file is larger than %(limit)s: upload a smaller file.") % {
            "limit": filesizeformat(limit)
        }
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return _(
            "The captions file is not UTF-8 text: save it as UTF-8 WebVTT from your captioning "
            "tool and upload it again."
        )
    if not _WEBVTT_SIGNATURE.match(text):
        return _(
            "This is not a WebVTT captions file: its first line must start with “WEBVTT”. "
            "Captioning tools can save or convert captions (an .srt file, say) as WebVTT."
        )
    if "\x00" in text:
        return _("The captions file holds binary data, not text: upload a WebVTT file.")
    if not _CUE_TIMINGS.search(text):
        return _(
            "The captions file holds no captions: each one needs a timing line such as "
            "“00:00:01.000 --> 00:00:04.000” and its text below it."
        )
    return None


def captions_response(component: Component) -> HttpResponse:
    """The video's captions (a small text file, read whole), private to the browser that asked;
    404 when the video has none."""
    if not component.captions_file:
        raise Http404("This video has no captions.")
    try:
        with component.captions_file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, ValueError) as exc:
        logger.warning("Captions file missing for component %s", component.pk)
        raise Http404("The captions file is missing.") from exc
    response = HttpResponse(data, content_type=f"{CAPTIONS_TYPE}; charset=utf-8")
    filename = component.slug + CAPTIONS_SUFFIX
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    # As the video: whatever the bytes are, they are never run as a page of this site.
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def video_response(request: HttpRequest, component: Component) -> HttpResponseBase:
    """The component's video, in ranges, private to the browser that asked."""
    try:
        handle = component.video_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        logger.warning("Video file missing for component %s", component.pk)
        raise Http404("The video file is missing.") from exc
    suffix = "." + (component.video_file.name or "").rsplit(".", 1)[-1].lower()
    content_type = VIDEO_TYPES.get(suffix, "application/octet-stream")
    response = ranged_file_response(
        request, cast(BinaryIO, handle), size=component.video_file.size, content_type=content_type
    )
    response["Cache-Control"] = "private, max-age=3600"
    # Whatever the bytes turn out to be, the browser plays or saves them: it never runs them as a
    # page of this site.
    filename = component.slug + (suffix if suffix in VIDEO_TYPES else "")
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
