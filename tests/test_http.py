import io

import pytest
from django.test import RequestFactory

from lms.http import ranged_file_response

DATA = bytes(range(256)) * 4  # 1,024 bytes


def _get(range_header: str | None):
    headers = {"Range": range_header} if range_header else {}
    request = RequestFactory().get("/video", headers=headers)
    return ranged_file_response(
        request, io.BytesIO(DATA), size=len(DATA), content_type="video/webm"
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_no_range_gets_the_whole_file_and_says_ranges_are_accepted():
    """Without Range the whole file comes back, advertising byte ranges."""
    response = _get(None)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert _body(response) == DATA


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-", 0, 1023),
        ("bytes=100-199", 100, 199),
        ("bytes=1000-5000", 1000, 1023),
        ("bytes=-24", 1000, 1023),
    ],
)
def test_a_single_range_gets_206_with_exactly_those_bytes(header, start, end):
    """Open, closed, clipped and suffix ranges answer 206 with the matching bytes."""
    response = _get(header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/1024"
    assert response["Content-Length"] == str(end - start + 1)
    assert _body(response) == DATA[start : end + 1]


def test_a_range_past_the_end_is_416():
    """A range that starts beyond the file is not satisfiable."""
    response = _get("bytes=2048-")
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1024"


@pytest.mark.parametrize("header", ["bytes=5-2,7-9", "items=0-10", "bytes=-", "garbage"])
def test_malformed_or_multiple_ranges_get_the_whole_file(header):
    """Anything but one well-formed range is served whole."""
    response = _get(header)
    assert response.status_code == 200
    assert _body(response) == DATA


def test_a_backwards_range_is_416():
    """A range whose end comes before its start is not satisfiable."""
    assert _get("bytes=500-100").status_code == 416
