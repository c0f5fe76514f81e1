"""The main pages of every role under the site's Content-Security-Policy, in a real browser: no
page has anything the policy refuses (no ``securitypolicyviolation`` event, no console error about
the Content Security Policy), and Chromium accepts the Permissions-Policy header as it is."""

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from accounts.models import User
from courses.models import Component, Module, Series
from tests.accounts.mfa import totp_code
from tests.browser.test_learner_path import DEMO_PASSWORD, _seed, _sign_in

pytestmark = pytest.mark.browser

SERIES = "working-with-victims-and-survivors-of-csam"
MODULE_ONE = "understanding-csam-and-its-impacts"
READING = "reading-language-csa-csam-and-choice-consent-control"
VIDEO = "video-understanding-csam-and-its-impacts"
GRADUATE = "liam.walsh@example.com"  # completed the series: certificates and transcript rows

# Records every violation the page reports, from before its first script runs.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""
POLICY_MESSAGE = re.compile(r"Content.Security.Policy|Permissions.Policy", re.I)


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    """The embedded demo's setting: supervisors and staff reach their pages without MFA."""
    settings.LMS_REQUIRE_MFA = False


class PolicyWatch:
    """Visits pages and fails on anything the browser refused or complained about."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.visited: list[str] = []
        page.context.add_init_script(WATCH_VIOLATIONS)
        page.on("console", self._on_console)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning") and POLICY_MESSAGE.search(message.text):
            self.console.append(f"{self.page.url}: {message.text}")

    def check(self, what: str) -> None:
        """The page now shown: settled, with no violation reported."""
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(250)  # violation events are queued as tasks
        violations = self.page.evaluate("window.__cspViolations || []")
        assert violations == [], f"{what}: Content-Security-Policy violations {violations}"
        assert self.console == [], f"{what}: policy messages {self.console}"
        self.visited.append(what)

    def visit(self, url: str, heading: str | re.Pattern[str] | None = None) -> None:
        response = self.page.goto(url)
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        assert "default-src 'self'" in response.headers["content-security-policy"], url
        assert "camera=()" in response.headers["permissions-policy"], url
        if heading is not None:
            expect(self.page.get_by_role("heading", level=1).first).to_have_text(heading)
        self.check(url)


def _component_url(module: Module, slug: str) -> str:
    return Component.objects.get(module=module, slug=slug).get_absolute_url()


def test_learner_pages_have_no_policy_violation(page: Page, screenshot, monkeypatch):
    _seed(monkeypatch)
    watch = PolicyWatch(page)
    watch.visit("/accounts/login/", "Sign In")
    expect(page.locator("[data-system-use-notice]")).to_contain_text("authorized use only")
    screenshot(page, "security-01-sign-in-notice")
    _sign_in(page, "learner@example.com", DEMO_PASSWORD)
    watch.check("sign-in")

    series = Series.objects.get(slug=SERIES)
    module = Module.objects.get(series=series, slug=MODULE_ONE)
    watch.visit("/", re.compile("."))
    watch.visit(series.get_absolute_url(), series.title)
    bars = page.locator(".progress-bar")
    expect(bars.first).to_be_visible()
    # The module bars are drawn by their classes: as wide as their ARIA value says.
    for bar in bars.all():
        value = int(bar.locator("..").get_attribute("aria-valuenow") or "0")
        expect(bar).to_have_class(re.compile(rf"\bpct-{value}\b"))
        width = bar.evaluate("b => b.getBoundingClientRect().width / b.parentElement.clientWidth")
        assert abs(width * 100 - value) < 1.5, (value, width)
    screenshot(page, "security-02-learner-series")
    watch.visit(module.get_absolute_url())
    watch.visit(_component_url(module, READING))  # a document (or the module's advisory)
    watch.visit(_component_url(module, VIDEO))
    if page.locator("#training-video").count():
        # The player starts and reports progress (media-src and connect-src 'self').
        page.evaluate(
            "async () => { const v = document.getElementById('training-video');"
            " v.muted = true; await v.play(); await new Promise(r => setTimeout(r, 1200));"
            " v.pause(); }"
        )
        watch.check("the video playing")
    watch.visit("/toolkit/", re.compile("."))
    watch.visit("/accounts/profile/")
    watch.visit("/reminders/preferences/")

    page.context.clear_cookies()
    _sign_in(page, GRADUATE, DEMO_PASSWORD)
    watch.visit("/certificates/", re.compile("."))
    expect(page.get_by_role("link", name=re.compile("PDF", re.I)).first).to_be_visible()
    watch.visit("/transcript/", re.compile("."))
    code = User.objects.get(email=GRADUATE).certificates.first().code  # type: ignore[union-attr]
    watch.visit(f"/certificates/verify/{code}/")
    assert len(watch.visited) == 14


def test_supervisor_pages_have_no_policy_violation(page: Page, monkeypatch):
    _seed(monkeypatch)
    watch = PolicyWatch(page)
    _sign_in(page, "supervisor@example.com", DEMO_PASSWORD)
    learner = User.objects.get(email="learner@example.com")
    watch.visit("/agency/", "Demo Police Department")
    watch.visit("/agency/learners/")
    watch.visit(f"/agency/learners/{learner.pk}/")
    expect(page.locator("main")).to_contain_text("Jordan Ellis")
    watch.visit(f"/agency/learners/{learner.pk}/transcript/")
    watch.visit(f"/agency/learners/{learner.pk}/remove/")  # the confirmation, not the removal
    watch.visit("/agency/assignments/")
    watch.visit("/agency/compliance/")
    assert len(watch.visited) == 7


def test_author_pages_have_no_policy_violation(page: Page, screenshot, monkeypatch):
    _seed(monkeypatch)
    watch = PolicyWatch(page)
    _sign_in(page, "author@example.com", DEMO_PASSWORD)
    series = Series.objects.get(slug=SERIES)
    watch.visit("/studio/")
    watch.visit(f"/studio/series/{series.slug}/", series.title)
    # htmx and SortableJS are loaded and ready, with nothing injected that the policy refuses.
    assert page.evaluate("typeof htmx === 'object' && htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("typeof Sortable === 'function'")
    expect(page.locator("[data-sortable]").first).to_be_visible()
    screenshot(page, "security-03-studio-series")
    component = Component.objects.filter(module__series=series).first()
    assert component is not None
    watch.visit(f"/studio/components/{component.pk}/stats/")
    watch.visit("/studio/toolkit/")
    assert len(watch.visited) == 4


def test_admin_pages_have_no_policy_violation(page: Page, monkeypatch):
    _seed(monkeypatch)
    watch = PolicyWatch(page)
    _sign_in(page, "admin@example.com", DEMO_PASSWORD)
    watch.visit("/admin/")
    watch.visit("/admin/courses/series/")
    watch.visit("/admin/audit/auditevent/")  # read-only, no actions, date hierarchy
    watch.visit("/admin/accounts/user/")
    page.get_by_role("link", name="learner@example.com").click()  # a change form
    watch.check("the user's change form")
    assert len(watch.visited) == 5


def test_account_and_mfa_pages_have_no_policy_violation(page: Page, screenshot, monkeypatch):
    """Sign-up, the account pages, and MFA: the index, reauthentication, TOTP activation with
    its QR code (inline SVG), and the recovery codes it issues."""
    _seed(monkeypatch)
    watch = PolicyWatch(page)
    watch.visit("/accounts/signup/")
    watch.visit("/accounts/password/reset/")
    _sign_in(page, "avery.chen@example.com", DEMO_PASSWORD)
    watch.visit("/accounts/email/")
    watch.visit("/accounts/password/change/")
    watch.visit("/accounts/2fa/")

    page.goto("/accounts/2fa/totp/activate/")
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    watch.check("reauthenticate")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name=re.compile("confirm", re.I)).click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    # Inline SVG markup, drawn (not a data: image): a box of real size with its modules.
    assert qr.locator("svg").evaluate("s => s.getBoundingClientRect().width > 100")
    assert qr.locator("svg path, svg rect").count() > 0
    watch.check("TOTP activation")
    screenshot(page, "security-04-totp-activation")

    secret = page.locator("#authenticator_secret").input_value()
    code = totp_code(secret)
    page.get_by_label(re.compile("Authenticator code", re.I)).fill(code)
    page.locator("main").get_by_role("button", name="Turn on").click()
    expect(page).not_to_have_url(re.compile(r"/totp/activate/"))
    watch.check("after activation")
    watch.visit("/accounts/2fa/recovery-codes/")
    expect(page.locator("main")).to_contain_text(re.compile("recovery codes", re.I))
    assert len(watch.visited) == 9
