"""Checking one external link with the standard library: does it still answer, and where?

Only public addresses are fetched. An author's URL (or a redirect's Location) naming a loopback,
private, link-local (the cloud metadata service), multicast, reserved or carrier-grade NAT
address would otherwise turn the checker into a probe of the servers' own network. The check is
made after DNS resolution, on every address the name resolves to, for every connection (so at
each redirect too), and the connection goes to the vetted address itself: a second DNS answer
cannot swap in another one.
"""

import functools
import http.client
import ipaddress
import socket
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings

from toolkit.models import Resource

USER_AGENT = "TrainingTracker-LinkChecker/1.0"
GET_READ_BYTES = 4096  # enough to see the body start; a link to a large file is not downloaded
ERROR_MAX_LENGTH = 200

Status = Resource.LinkStatus

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not public, yet neither is_private nor is_reserved says so on every Python we support.
_NOT_PUBLIC_NETWORKS = (ipaddress.ip_network("100.64.0.0/10"),)  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class InternalAddressError(OSError):
    """The host resolved to an address the checker must not reach."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"Not checked: {host} is an internal address ({address})")
        self.host, self.address = host, address


def is_public_address(address: str | IPAddress, *, allow_loopback: bool = False) -> bool:
    """Whether the checker may connect to this address. Pure: no DNS, no connection.

    Refuses loopback, private (RFC 1918, fc00::/7), link-local (169.254/16 with the metadata
    service, fe80::/10), unspecified, multicast, reserved and carrier-grade NAT addresses, and
    IPv6 forms of them (IPv4-mapped, 6to4, Teredo, NAT64). ``allow_loopback`` admits loopback
    alone (for tests).
    """
    if isinstance(address, str):
        # An IPv6 link-local answer can carry a zone ("fe80::1%eth0").
        address = ipaddress.ip_address(address.partition("%")[0])
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and not is_public_address(embedded):
            return False
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
    if allow_loopback and address.is_loopback:
        return True
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or any(address in network for network in _NOT_PUBLIC_NETWORKS)
        or not address.is_global
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address that 6to4, Teredo or NAT64 (64:ff9b::/96) would carry this one to."""
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _connect_public(
    address: tuple[str, int],
    timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
    source_address: tuple[str, int] | None = None,
    *,
    allow_loopback: bool,
) -> socket.socket:
    """socket.create_connection, refusing a host with any non-public address among its answers.

    The socket connects to the addresses vetted here (no second lookup), and the peer it reached
    is checked again before a byte is sent.
    """
    host, port = address
    answers = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    for *_, sockaddr in answers:
        if not is_public_address(str(sockaddr[0]), allow_loopback=allow_loopback):
            raise InternalAddressError(host, str(sockaddr[0]))
    last_error: OSError = OSError(f"No address for {host}")
    for family, type_, proto, _, sockaddr in answers:
        sock = socket.socket(family, type_, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            peer = str(sock.getpeername()[0])
            if not is_public_address(peer, allow_loopback=allow_loopback):
                raise InternalAddressError(host, peer)
            return sock
        except InternalAddressError:
            sock.close()
            raise
        except OSError as error:
            sock.close()
            last_error = error
    raise last_error


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, allow_loopback: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # http.client's own hook for making the socket; HTTPS wraps what it returns in TLS for
        # the host name, so certificates are still checked against the name, not the address.
        self._create_connection = functools.partial(_connect_public, allow_loopback=allow_loopback)


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, allow_loopback: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = functools.partial(_connect_public, allow_loopback=allow_loopback)


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, *, allow_loopback: bool) -> None:
        super().__init__()
        self.allow_loopback = allow_loopback

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = functools.partial(_PublicHTTPConnection, allow_loopback=self.allow_loopback)
        return self.do_open(connection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, *, allow_loopback: bool) -> None:
        super().__init__()
        self.allow_loopback = allow_loopback

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        connection = functools.partial(_PublicHTTPSConnection, allow_loopback=self.allow_loopback)
        return self.do_open(connection, req, context=self._context)  # type: ignore[attr-defined]


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
    """http and https only (no ftp or file, not even after a redirect), public addresses only.

    No proxy, not even one named in the environment: a proxy would resolve and reach the
    author's host itself, past the address check.
    """
    allow_loopback = settings.LMS_LINK_CHECK_ALLOW_LOOPBACK
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.UnknownHandler(),
        _PublicHTTPHandler(allow_loopback=allow_loopback),
        _PublicHTTPSHandler(allow_loopback=allow_loopback),
        urllib.request.HTTPDefaultErrorHandler(),
        _RedirectHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def check_url(url: str, *, timeout: float) -> LinkResult:
    """Ask for the URL with HEAD, then with GET (reading a few KB at most) if HEAD is refused;
    redirects are followed. Never raises for a bad link: the outcome is the result.

    A host (the URL's or a redirect's) with an internal address is not connected to: the result
    is INTERNAL. LMS_LINK_CHECK_ALLOW_LOOPBACK admits loopback, for tests' local servers only.

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
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, InternalAddressError):
        return LinkResult(Status.INTERNAL, None, "", str(reason)[:ERROR_MAX_LENGTH])
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
