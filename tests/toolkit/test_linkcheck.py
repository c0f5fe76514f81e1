"""The daily link check: against a local HTTP server, never the internet."""

import importlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from tests import factories
from toolkit import linkcheck, selectors, services, tasks
from toolkit.linkcheck import LinkResult
from toolkit.models import Resource
from toolkit.services import resource_upsert

TIMEOUT = 0.5
Status = Resource.LinkStatus


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, *, body: bool) -> None:
        self.server.seen.append((self.command, self.path, self.headers.get("User-Agent", "")))
        if self.path == "/moved":
            self._send(301, body=False, location="/ok")
        elif self.path == "/moved-away":
            self._send(302, body=False, location="/missing")
        elif self.path == "/to-internal":
            self._send(302, body=False, location="http://10.0.0.1/intranet")
        elif self.path == "/to-metadata":
            self._send(301, body=False, location="http://169.254.169.254/latest/meta-data/")
        elif self.path == "/missing":
            self._send(404, body=body)
        elif self.path == "/error":
            self._send(500, body=body)
        elif self.path == "/no-head":
            self._send(200 if body else 405, body=body)
        elif self.path == "/slow":
            self.server.release.wait(5)  # the client gives up long before
            self._send(200, body=body)
        else:
            self._send(200, body=body)

    def _send(self, status: int, *, body: bool, location: str = "") -> None:
        content = b"" if location else b"<html><p>A toolkit resource.</p></html>" * 200
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if body:
            self.wfile.write(content)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    seen: list[tuple[str, str, str]]
    release: threading.Event

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that timed out leaves the slow handler a broken pipe


@dataclass
class LocalSite:
    base: str
    seen: list[tuple[str, str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def methods(self, path: str) -> list[str]:
        return [method for method, seen_path, _ in self.seen if seen_path == path]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch, settings) -> None:
    """Requests go straight to the local server, whatever proxy the machine has; short waits.

    Loopback is allowed so the local server can answer; the tests of the address check turn it
    off again.
    """
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    settings.LMS_LINK_CHECK_TIMEOUT_SECONDS = TIMEOUT
    settings.LMS_LINK_CHECK_ALLOW_LOOPBACK = True


@pytest.fixture
def site() -> Iterator[LocalSite]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.seen, server.release = [], threading.Event()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    host, port = server.server_address[:2]
    yield LocalSite(base=f"http://{host}:{port}", seen=server.seen)
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


# --- check_url ----------------------------------------------------------------------------------


def test_working_link_is_ok_after_one_head(site: LocalSite):
    """A 200 to HEAD is enough: ok, no final URL, no error, and no GET."""
    result = linkcheck.check_url(site.url("/ok"), timeout=TIMEOUT)
    assert result == LinkResult(Status.OK, 200, "", "")
    assert site.seen == [("HEAD", "/ok", "TrainingTracker-LinkChecker/1.0")]


def test_redirect_is_followed_and_its_end_recorded(site: LocalSite):
    """301 → 200: still working, marked redirected, with where it ends; HEAD all the way."""
    result = linkcheck.check_url(site.url("/moved"), timeout=TIMEOUT)
    assert result == LinkResult(Status.REDIRECTED, 200, site.url("/ok"), "")
    assert [method for method, _, _ in site.seen] == ["HEAD", "HEAD"]


@pytest.mark.parametrize(("path", "status"), [("/missing", 404), ("/error", 500)])
def test_error_status_is_broken_once_get_fails_too(site: LocalSite, path: str, status: int):
    """A 4xx or 5xx to HEAD and to GET: broken, with the status and a short error."""
    result = linkcheck.check_url(site.url(path), timeout=TIMEOUT)
    assert (result.status, result.http_status, result.final_url) == (Status.BROKEN, status, "")
    assert result.error.startswith(f"HTTP {status} ")
    assert site.methods(path) == ["HEAD", "GET"]


def test_redirect_to_a_missing_page_is_broken_with_its_end_recorded(site: LocalSite):
    """302 → 404: broken, and the page the redirect ended on is recorded."""
    result = linkcheck.check_url(site.url("/moved-away"), timeout=TIMEOUT)
    assert (result.status, result.http_status) == (Status.BROKEN, 404)
    assert result.final_url == site.url("/missing")


def test_server_refusing_head_is_asked_with_get(site: LocalSite):
    """405 to HEAD, 200 to GET: the link works."""
    result = linkcheck.check_url(site.url("/no-head"), timeout=TIMEOUT)
    assert result == LinkResult(Status.OK, 200, "", "")
    assert site.methods("/no-head") == ["HEAD", "GET"]
    assert {agent for _, _, agent in site.seen} == {"TrainingTracker-LinkChecker/1.0"}


def test_slow_server_is_broken_with_a_timeout_and_not_asked_twice(site: LocalSite):
    """No answer within the timeout: broken, no status, a timeout error; GET would wait again."""
    result = linkcheck.check_url(site.url("/slow"), timeout=TIMEOUT)
    assert (result.status, result.http_status, result.final_url) == (Status.BROKEN, None, "")
    assert "timed out" in result.error.lower()
    assert site.methods("/slow") == ["HEAD"]


def test_closed_port_is_broken_with_connection_refused(closed_port_url: str):
    """Nothing listening: broken, connection refused."""
    result = linkcheck.check_url(closed_port_url, timeout=TIMEOUT)
    assert result == LinkResult(Status.BROKEN, None, "", "Connection refused")


def test_unknown_host_is_broken_with_a_dns_error(monkeypatch: pytest.MonkeyPatch):
    """A name that does not resolve: broken, DNS lookup failed (the resolver is not asked)."""

    def no_such_name(*args: object, **kwargs: object) -> list[object]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    result = linkcheck.check_url("https://publisher.invalid/fact-sheet.pdf", timeout=TIMEOUT)
    assert result == LinkResult(
        Status.BROKEN, None, "", "DNS lookup failed: Name or service not known"
    )


@pytest.mark.parametrize("url", ["ftp://publisher.example.org/sheet.pdf", "file:///etc/passwd"])
def test_only_http_links_are_fetched(url: str):
    """Other schemes are broken links, never opened."""
    result = linkcheck.check_url(url, timeout=TIMEOUT)
    assert (result.status, result.error) == (Status.BROKEN, "Not an http or https URL")


# --- internal addresses -------------------------------------------------------------------------

INTERNAL_ADDRESSES = [
    "169.254.169.254",  # cloud metadata service (link-local)
    "169.254.0.1",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "127.0.0.1",
    "127.8.9.10",
    "0.0.0.0",  # noqa: S104 -- unspecified; a value here, never bound
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "::ffff:100.64.0.1",
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
]


@pytest.mark.parametrize("address", INTERNAL_ADDRESSES)
def test_address_check_refuses_internal_addresses(address: str):
    """Loopback, private, link-local, metadata, CGNAT, multicast, reserved, mapped: refused."""
    assert not linkcheck.is_public_address(address)


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:93.184.216.34"]
)
def test_address_check_accepts_public_addresses(address: str):
    """Public IPv4 and IPv6 addresses may be fetched (checked as values, never connected to)."""
    assert linkcheck.is_public_address(address)


@pytest.mark.parametrize(
    ("address", "allowed"),
    [("127.0.0.1", True), ("::1", True), ("::ffff:127.0.0.1", True), ("10.0.0.1", False),
     ("169.254.169.254", False), ("fe80::1", False)],
)  # fmt: skip
def test_allowing_loopback_admits_loopback_alone(address: str, allowed: bool):
    """The tests' loopback switch opens loopback, and nothing else internal."""
    assert linkcheck.is_public_address(address, allow_loopback=True) is allowed


def _resolving_to(monkeypatch: pytest.MonkeyPatch, *addresses: str) -> list[str]:
    """Stubs DNS with these answers, and refuses any connection attempt (noting it)."""
    connects: list[str] = []

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[object]:
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, port, 0, 0) if ":" in address else (address, port),
            )
            for address in addresses
        ]

    def connect(self: socket.socket, address: object) -> None:
        connects.append(str(address))
        raise ConnectionRefusedError("no connection in tests")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return connects


def test_name_with_one_private_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
):
    """Every address a name resolves to must be public; nothing is connected to otherwise."""
    connects = _resolving_to(monkeypatch, "93.184.216.34", "192.168.1.1")
    result = linkcheck.check_url("https://publisher.example/fact-sheet.pdf", timeout=TIMEOUT)
    assert result == LinkResult(
        Status.INTERNAL,
        None,
        "",
        "Not checked: publisher.example is an internal address (192.168.1.1)",
    )
    assert connects == []


def test_name_resolving_to_the_metadata_service_is_refused(monkeypatch: pytest.MonkeyPatch):
    """Even with loopback allowed, a name pointing at 169.254.169.254 is not fetched."""
    connects = _resolving_to(monkeypatch, "169.254.169.254")
    result = linkcheck.check_url("http://metadata.example/latest/meta-data/", timeout=TIMEOUT)
    assert result.status == Status.INTERNAL and connects == []


def test_name_with_public_addresses_is_connected_to_the_vetted_address(
    monkeypatch: pytest.MonkeyPatch,
):
    """The socket goes to the address that was checked, not to a second lookup's answer."""
    connects = _resolving_to(monkeypatch, "93.184.216.34")
    result = linkcheck.check_url("http://publisher.example/fact-sheet.pdf", timeout=TIMEOUT)
    assert (result.status, result.error) == (Status.BROKEN, "Connection refused")
    assert connects == ["('93.184.216.34', 80)"]


def test_loopback_url_is_refused_unfetched_when_loopback_is_not_allowed(site: LocalSite, settings):
    """The production setting: the local server's URL is internal and gets no request."""
    settings.LMS_LINK_CHECK_ALLOW_LOOPBACK = False
    result = linkcheck.check_url(site.url("/ok"), timeout=TIMEOUT)
    assert (result.status, result.http_status) == (Status.INTERNAL, None)
    assert result.error == "Not checked: 127.0.0.1 is an internal address (127.0.0.1)"
    assert site.seen == []


@pytest.mark.parametrize(
    ("path", "address"), [("/to-internal", "10.0.0.1"), ("/to-metadata", "169.254.169.254")]
)
def test_redirect_to_an_internal_address_is_refused_at_the_redirect(
    site: LocalSite, monkeypatch: pytest.MonkeyPatch, path: str, address: str
):
    """A public (here: allowed loopback) page redirecting inward: INTERNAL, no connection made."""
    real_connect = socket.socket.connect
    connects: list[object] = []

    def connect(self: socket.socket, target: object) -> None:
        connects.append(target)
        real_connect(self, target)

    monkeypatch.setattr(socket.socket, "connect", connect)
    result = linkcheck.check_url(site.url(path), timeout=TIMEOUT)
    assert result.status == Status.INTERNAL
    assert result.error == f"Not checked: {address} is an internal address ({address})"
    assert site.methods(path) == ["HEAD"]
    assert [target[0] for target in connects] == ["127.0.0.1"]  # type: ignore[index]


def test_proxy_from_the_environment_is_not_used(site: LocalSite, monkeypatch: pytest.MonkeyPatch):
    """A proxy would reach the host past the address check: the checker connects itself."""
    monkeypatch.setenv("http_proxy", "http://10.0.0.1:3128")
    result = linkcheck.check_url(site.url("/ok"), timeout=TIMEOUT)
    assert result.status == Status.OK and site.methods("/ok") == ["HEAD"]


def test_check_of_an_internal_link_is_stored_for_authors(db, site: LocalSite, settings):
    """The service stores INTERNAL with its reason; not a broken link, and nothing fetched."""
    settings.LMS_LINK_CHECK_ALLOW_LOOPBACK = False
    resource = factories.ResourceFactory(url=site.url("/ok"))
    services.resource_link_check(resource_id=resource.pk)
    resource.refresh_from_db()
    assert (resource.link_status, resource.link_http_status) == (Status.INTERNAL, None)
    assert resource.get_link_status_display() == "Not checked: internal address"
    assert resource.link_error.startswith("Not checked: 127.0.0.1 is an internal address")
    assert resource.link_checked_at is not None
    assert list(selectors.broken_links()) == []
    assert site.seen == []


def test_loopback_is_not_allowed_by_default_settings():
    """Base settings never fetch loopback; only tests that run a local server switch it on."""
    from lms.settings import base

    assert base.LMS_LINK_CHECK_ALLOW_LOOPBACK is False


# --- the service --------------------------------------------------------------------------------


def test_check_records_a_broken_link_without_touching_the_rest(db, site: LocalSite):
    """Status, HTTP status, error and time are written; the author's fields and updated_at stay."""
    resource = factories.ResourceFactory(url=site.url("/missing"))
    before = Resource.objects.get(pk=resource.pk)

    result = services.resource_link_check(resource_id=resource.pk)

    resource.refresh_from_db()
    assert result.status == Status.BROKEN
    assert (resource.link_status, resource.link_http_status) == (Status.BROKEN, 404)
    assert resource.link_error == result.error and resource.link_error.startswith("HTTP 404")
    assert resource.link_final_url == ""
    assert timezone.now() - resource.link_checked_at < timedelta(minutes=1)
    assert (resource.title, resource.updated_at) == (before.title, before.updated_at)


def test_check_records_the_redirect_and_a_later_check_clears_the_error(db, site: LocalSite):
    """A redirected link records its final URL; a fixed link loses its old error."""
    resource = factories.ResourceFactory(
        url=site.url("/moved"),
        link_status=Status.BROKEN,
        link_http_status=404,
        link_error="HTTP 404 Not Found",
    )
    services.resource_link_check(resource_id=resource.pk)
    resource.refresh_from_db()
    assert (resource.link_status, resource.link_http_status) == (Status.REDIRECTED, 200)
    assert (resource.link_final_url, resource.link_error) == (site.url("/ok"), "")


def test_check_skips_a_retired_resource(db, site: LocalSite):
    """A retired resource is not fetched and keeps its state."""
    resource = factories.ResourceFactory(url=site.url("/missing"), is_active=False)
    with pytest.raises(Resource.DoesNotExist):
        services.resource_link_check(resource_id=resource.pk)
    resource.refresh_from_db()
    assert (resource.link_status, resource.link_checked_at) == (Status.UNCHECKED, None)
    assert site.seen == []


def test_check_keeps_an_authors_title_change_made_while_it_ran(
    db, site: LocalSite, monkeypatch: pytest.MonkeyPatch
):
    """The outcome is one UPDATE of the link fields: an edit saved meanwhile is not undone."""
    resource = factories.ResourceFactory(url=site.url("/missing"), title="Old title")
    real_check = linkcheck.check_url

    def check_while_the_author_edits(url: str, *, timeout: float) -> LinkResult:
        result = real_check(url, timeout=timeout)
        resource_upsert(slug=resource.slug, title="New title")
        return result

    monkeypatch.setattr(linkcheck, "check_url", check_while_the_author_edits)
    services.resource_link_check(resource_id=resource.pk)

    resource.refresh_from_db()
    assert (resource.title, resource.link_status) == ("New title", Status.BROKEN)


def test_check_of_a_url_changed_while_it_ran_is_not_recorded(
    db, site: LocalSite, monkeypatch: pytest.MonkeyPatch
):
    """The old URL's outcome is not pinned on the new URL; the next check sees the new one."""
    resource = factories.ResourceFactory(url=site.url("/missing"))
    real_check = linkcheck.check_url

    def check_while_the_author_fixes_the_url(url: str, *, timeout: float) -> LinkResult:
        result = real_check(url, timeout=timeout)
        resource_upsert(slug=resource.slug, url=site.url("/ok"))
        return result

    monkeypatch.setattr(linkcheck, "check_url", check_while_the_author_fixes_the_url)
    services.resource_link_check(resource_id=resource.pk)
    resource.refresh_from_db()
    assert (resource.link_status, resource.link_checked_at) == (Status.UNCHECKED, None)

    monkeypatch.setattr(linkcheck, "check_url", real_check)
    services.resource_link_check(resource_id=resource.pk)
    resource.refresh_from_db()
    assert resource.link_status == Status.OK


def test_check_uses_the_timeout_setting(db, site: LocalSite, settings):
    """LMS_LINK_CHECK_TIMEOUT_SECONDS bounds the wait, and the error says how long it was."""
    settings.LMS_LINK_CHECK_TIMEOUT_SECONDS = 0.3
    resource = factories.ResourceFactory(url=site.url("/slow"))
    services.resource_link_check(resource_id=resource.pk)
    resource.refresh_from_db()
    assert resource.link_status == Status.BROKEN
    assert resource.link_http_status is None
    assert resource.link_error == "Timed out: no answer within 0.3 s"


# --- the tasks ----------------------------------------------------------------------------------


def test_daily_task_checks_every_listed_resource_after_commit(
    db, site: LocalSite, closed_port_url: str, django_capture_on_commit_callbacks
):
    """One task per listed resource, sent after commit; retired resources are left alone."""
    working = factories.ResourceFactory(url=site.url("/ok"))
    moved = factories.ResourceFactory(url=site.url("/moved"))
    gone = factories.ResourceFactory(url=site.url("/missing"))
    refused = factories.ResourceFactory(url=closed_port_url)
    retired = factories.ResourceFactory(url=site.url("/error"), is_active=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tasks.check_links.delay().get() == 4
        assert site.seen == []  # nothing is sent before the commit

    assert len(callbacks) == 4
    status = dict(Resource.objects.values_list("pk", "link_status"))
    assert status == {
        working.pk: Status.OK,
        moved.pk: Status.REDIRECTED,
        gone.pk: Status.BROKEN,
        refused.pk: Status.BROKEN,
        retired.pk: Status.UNCHECKED,
    }
    assert site.methods("/error") == []


def test_link_task_for_a_retired_or_deleted_resource_does_nothing(db, site: LocalSite):
    """A resource retired or deleted after it was queued is skipped without an error."""
    retired = factories.ResourceFactory(url=site.url("/missing"), is_active=False)
    assert tasks.check_link.delay(retired.pk).get() is None
    assert tasks.check_link.delay(retired.pk + 1000).get() is None
    assert site.seen == []


def test_daily_check_is_in_the_beat_schedule(db):
    """The data migration schedules the daily task at 03:30 UTC, once however often it runs."""
    migration = importlib.import_module("toolkit.migrations.0003_link_check_schedule")
    PeriodicTask.objects.filter(name=migration.NAME).delete()  # a flushing test may have run
    migration.create_schedule(apps, None)
    migration.create_schedule(apps, None)

    scheduled = PeriodicTask.objects.get(task=tasks.check_links.name)
    assert scheduled.name == migration.NAME
    assert (scheduled.crontab.hour, scheduled.crontab.minute) == ("3", "30")
    assert str(scheduled.crontab.timezone) == "UTC"
    assert scheduled.interval is None


# --- the selector -------------------------------------------------------------------------------


def test_broken_links_lists_listed_broken_resources_latest_check_first(db):
    """Only listed resources found broken, the most recently checked first."""
    now = timezone.now()
    make = factories.ResourceFactory
    older = make(link_status=Status.BROKEN, link_checked_at=now - timedelta(days=2))
    newer = make(link_status=Status.BROKEN, link_checked_at=now - timedelta(hours=1))
    make(link_status=Status.BROKEN, link_checked_at=now, is_active=False)
    make(link_status=Status.OK, link_checked_at=now)
    make(link_status=Status.REDIRECTED, link_checked_at=now)
    make(link_status=Status.UNCHECKED)

    assert list(selectors.broken_links()) == [newer, older]


def test_link_status_outside_the_choices_is_refused_by_the_database(db):
    """The check constraint keeps link_status to its choices."""
    resource = factories.ResourceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.filter(pk=resource.pk).update(link_status="dead")
