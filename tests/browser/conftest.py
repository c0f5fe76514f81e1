"""Browser fixtures: Debian's Chromium, driven by Playwright, against pytest-django's live server.

The browser is never downloaded (no ``playwright install``): the tests launch /usr/bin/chromium and
skip without it, unless REQUIRE_SERVICES is set, when a missing browser is a failure.
"""

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from tests.conftest import services_required

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DRAIN_SECONDS = 5
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"

Screenshot = Callable[[Page, str], Path]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API keeps an asyncio loop running in the main thread from the moment it
    starts until the session-scoped browser closes, and the tests lift Django's async-safety check
    meanwhile (see ``browser``). Running them last keeps every other test under the normal check.
    """
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if browser_items:
        others = [item for item in items if not item.get_closest_marker("browser")]
        items[:] = others + browser_items


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)."
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    # The sync API runs an event loop in this (the main) thread for as long as Playwright runs;
    # Django's ORM would refuse to run in the test body and in the database fixtures meanwhile.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()


def _local_only(route: Route) -> None:
    """The test machine has no internet: let requests to the live server through, abort others."""
    if urlparse(route.request.url).hostname in LOCAL_HOSTS:
        route.continue_()
    else:
        route.abort("internetdisconnected")


@pytest.fixture
def screenshot() -> Screenshot:
    """``screenshot(page, name)`` saves a full-page PNG to test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return take


def _quiet_and_drain(context: BrowserContext, in_flight: set[Request]) -> None:
    """Stop the pages talking to the live server and wait for what they already sent.

    Closing a page fires ``visibilitychange`` and ``pagehide``, and the video player then posts a
    last heartbeat with ``keepalive``: it would reach the live server after the test, when the
    database is closed to it (or being flushed). So silence ``fetch`` first, pause the players,
    and let requests in flight finish before the context closes.
    """
    pages = [p for p in context.pages if not p.is_closed()]
    for open_page in pages:
        with contextlib.suppress(PlaywrightError):
            open_page.evaluate(
                "() => { window.fetch = () => new Promise(() => {});"
                " document.querySelectorAll('video').forEach((v) => v.pause()); }"
            )
    deadline = time.monotonic() + DRAIN_SECONDS
    while pages and time.monotonic() < deadline:
        if not any(r.resource_type != "media" for r in in_flight):
            break
        pages[0].wait_for_timeout(50)  # lets Playwright deliver the request events meanwhile


@pytest.fixture
def page(browser: Browser, live_server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context per test (own cookies), 1280x900, addressed relative to the live
    server, with no way out to the internet; uncaught JavaScript errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    context.route("**/*", _local_only)
    in_flight: set[Request] = set()
    context.on("request", lambda r: in_flight.add(r))
    context.on("requestfinished", lambda r: in_flight.discard(r))
    context.on("requestfailed", lambda r: in_flight.discard(r))
    page = context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda error: js_errors.append(str(error)))
    yield page
    call = getattr(request.node, "report_call", None)
    if call is not None and not call.passed and not page.is_closed():
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"FAILED-{request.node.name}.png"), full_page=True)
    _quiet_and_drain(context, in_flight)
    context.close()
    if js_errors and call is not None and call.passed:
        pytest.fail(f"JavaScript errors on the page: {js_errors}")
