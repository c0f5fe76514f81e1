"""HTTP helpers shared by the apps."""

import re
from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import urlsplit

from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)


def is_same_origin(request: HttpRequest) -> bool:
    """Whether the browser says the request comes from a page of this site, with no token: the
    ``Sec-Fetch-Site`` header (every current browser sends it), else ``Origin``, else
    ``Referer`` (sent to this site by its ``same-origin`` referrer policy). A request that
    proves none of them is not from the site. For a form on every page, which would otherwise
    carry a per-request CSRF token and make each page different (the 404 pages must be the
    same for every URL)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    parts = urlsplit(source)
    return bool(parts.netloc) and (parts.scheme, parts.netloc) == (
        request.scheme,
        request.get_host(),
    )


_BYTE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _chunks(handle: BinaryIO, remaining: int, block_size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        while remaining > 0:
            chunk = handle.read(min(block_size, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def ranged_file_response(
    request: HttpRequest, handle: BinaryIO, *, size: int, content_type: str
) -> HttpResponseBase:
    """Serve a file, answering a single ``Range: bytes=…`` request with 206 Partial Content.

    Browsers let learners seek in (and resume) a video only when its server accepts ranges.
    Anything but one well-formed range gets the whole file; a range past the end gets 416.
    """
    match = _BYTE_RANGE.match(request.headers.get("Range", "").strip())
    if match is None or not (match[1] or match[2]):
        whole = FileResponse(handle, content_type=content_type)
        whole["Accept-Ranges"] = "bytes"
        return whole
    if match[1]:
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
    else:  # a suffix: the last N bytes
        start, end = max(0, size - int(match[2])), size - 1
    if start >= size or start > end:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    handle.seek(start)
    length = end - start + 1
    response = StreamingHttpResponse(_chunks(handle, length), status=206, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response
