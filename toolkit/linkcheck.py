"""Checking one external link with the standard library: does it still answer, and where?"""

import http.client
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

from toolkit.models import Resource

USER_AGENT = "TrainingTracker-LinkChecker/1.0"
GET_READ_BYTES = 4096  # enough to see the body start; a link to a large file is not downloaded
ERROR_MAX_LENGTH = 200

Status = Resource.LinkStatus


@dataclass(frozen=True)
class LinkResult:
    status: str  # a Resource.LinkStatus value
    http_status: int | None  # of the last answer; None when no server answered
    final_url: str  # where the redirects ended; "" when there were none
    error: str  # why the link is broken; "" when it works


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follows a HEAD's redirects with HEADs; urllib would follow them with GETs, bodies and all."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and req.get_method() == "HEAD":
            new.method = "HEAD"
        return new


def _opener() -> urllib.request.OpenerDirector:
    """http and https only (no ftp or file, not even after a redirect); proxies from the env."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler(),
        urllib.request.UnknownHandler(),
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        _RedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def check_url(url: str, *, timeout: float) -> LinkResult:
    """Ask for the URL with HEAD, then with GET (reading a few KB at most) if HEAD is refused;
    redirects are followed. Never raises for a bad link: the outcome is the result.

    ``timeout`` bounds connecting and each wait for the server, in seconds.
    """
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return LinkResult(Status.BROKEN, None, "", "Not an http or https URL")
    try:
        return _fetch(url, method="HEAD", timeout=timeout)
    except (OSError, http.client.HTTPException, ValueError) as error:
        if not _head_refused(error):
            return _failure(url, error, timeout=timeout)
        if isinstance(error, urllib.error.HTTPError):
            error.close()
    try:
        return _fetch(url, method="GET", timeout=timeout)
    except (OSError, http.client.HTTPException, ValueError) as error:
        return _failure(url, error, timeout=timeout)


def _head_refused(error: Exception) -> bool:
    """HEAD is only a shortcut. Many servers refuse it (405, 403, 501) or mishandle it (another
    error status, a dropped connection), so a link is broken only when GET fails too. Timeouts,
    DNS failures and refused connections are not retried: GET would fare no better, and a second
    timeout doubles the wait."""
    if isinstance(error, urllib.error.HTTPError | ConnectionResetError):
        return True
    return isinstance(error, http.client.HTTPException) and not isinstance(
        error, http.client.InvalidURL
    )


def _fetch(url: str, *, method: str, timeout: float) -> LinkResult:
    # S310: check_url lets only http and https through, and _opener() can open nothing else.
    request = urllib.request.Request(  # noqa: S310
        url, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"}
    )
    with _opener().open(request, timeout=timeout) as response:
        if method == "GET":
            response.read(GET_READ_BYTES)
        final_url = response.geturl()
        http_status = response.status
    if final_url == request.full_url:
        return LinkResult(Status.OK, http_status, "", "")
    return LinkResult(Status.REDIRECTED, http_status, final_url, "")


def _failure(url: str, error: Exception, *, timeout: float) -> LinkResult:
    if isinstance(error, urllib.error.HTTPError):
        error.close()
        final_url = error.geturl()
        reason = str(error.reason).strip().partition("\n")[0]  # a redirect loop's runs on
        return LinkResult(
            Status.BROKEN,
            error.code,
            "" if final_url == url else final_url,
            f"HTTP {error.code} {reason}".strip()[:ERROR_MAX_LENGTH],
        )
    return LinkResult(Status.BROKEN, None, "", _describe(error, timeout=timeout)[:ERROR_MAX_LENGTH])


def _describe(error: Exception, *, timeout: float) -> str:
    """A short, human account of why no answer came."""
    reason: object = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, TimeoutError):
        return f"Timed out: no answer within {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return f"DNS lookup failed: {reason.strerror or reason}"
    if isinstance(reason, ConnectionRefusedError):
        return "Connection refused"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"TLS certificate not accepted: {reason.verify_message or reason}"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed: {reason.reason or reason}"
    if isinstance(reason, http.client.RemoteDisconnected):
        return "The server closed the connection without answering"
    if isinstance(reason, http.client.InvalidURL):
        return f"Invalid URL: {reason}"
    if isinstance(reason, http.client.HTTPException):
        return f"Malformed answer ({type(reason).__name__})"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__
