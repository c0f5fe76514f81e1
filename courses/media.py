"""A component's video: the types accepted, and how it is served to whoever may watch it."""

from __future__ import annotations

import logging
from typing import IO, BinaryIO, cast

from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.http import content_disposition_header

from courses.models import Component
from lms.http import ranged_file_response

logger = logging.getLogger(__name__)

# The videos accepted (by suffix), and the type each is served as: anything else is served as a
# download, never as a page of this site.
VIDEO_TYPES = {".webm": "video/webm", ".mp4": "video/mp4"}


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
