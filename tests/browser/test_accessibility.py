"""WCAG 2.1 AA on every page of every role's journey, in a real browser.

Each page state below is opened once, as its role, and must have:
- no axe-core violation of the WCAG 2.0/2.1 A and AA rules (axe-core from the npm registry,
  ``npm ci``);
- no error from the Nu HTML checker (vnu-jar from the npm registry, run once over every page's
  HTML as the server sent it, on the machine's Java);
- no horizontal scrolling at 320 px (WCAG 1.4.10 Reflow).

A page state is one line of ``JOURNEY``: a role, a name, a URL (with ``{placeholders}`` filled
from the journey's data) and, where the state needs it, an action that brings the page there
(a submitted form with its errors, an answered quiz).

The keyboard journey completes a document, a quiz and a survey with the keyboard alone and checks
that every control it lands on shows a focus indicator of at least 3:1 against its surroundings.
"""

import io
import itertools
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, Response, expect

from accounts.models import User
from courses import services
from courses.models import Component, Module, Progress, Series
from tests import factories
from tests.accounts.mfa import totp_code
from tests.browser.conftest import REPO_ROOT
from tests.browser.test_learner_path import DEMO_PASSWORD, _sign_in

pytestmark = pytest.mark.browser

AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = REPO_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Targets of at least 24 px (WCAG 2.2's 2.5.8, which the issue asks for too): its rule alone.
AXE_RULES = ["target-size"]
# At 320 px, the rules whose answer depends on the layout: tables now scroll in their regions.
AXE_NARROW_RULES = ["scrollable-region-focusable", "target-size"]
NARROW = {"width": 320, "height": 800}
WIDE = {"width": 1280, "height": 900}
SEED_SERIES = "working-with-victims-and-survivors-of-csam"
SEED_MODULE_ONE = "understanding-csam-and-its-impacts"
SEED_MODULE_TWO = "making-first-contact-and-victim-communication-in-csam-cases"
LEARNER = "learner@example.com"  # part-way through the seed series: module two is locked
UNAFFILIATED = "officer@unregistered-agency.example"  # signed up on a domain no agency has
GRADUATE = "liam.walsh@example.com"  # completed the seed series: certificates, transcript rows
# In this order: the signed-out visitor comes last, to meet the two-factor step the learner's
# journey turned on.
ACCOUNTS = {
    "learner": LEARNER,
    "graduate": GRADUATE,
    "supervisor": "supervisor@example.com",
    "author": "author@example.com",
    "unaffiliated": UNAFFILIATED,
    "signed out": None,
}
# What a page shows when it refuses what was sent.
ERRORS = ".invalid-feedback, .alert-danger, .alert-warning, .errorlist, [role=alert]"

Action = Callable[[Page], None]


@dataclass(frozen=True)
class State:
    role: str  # a key of ACCOUNTS
    name: str
    url: str  # formatted with the journey's data
    act: Action | None = None  # brings the opened page to the state


def _submit(button: str | re.Pattern[str]) -> Action:
    """Press the main form's button as it is (empty or invalid): the page with the server's
    errors. The browser's own checks (``required``, ``min``) are turned off, as in a browser that
    has none."""

    def act(page: Page) -> None:
        page.locator("main form").evaluate_all("forms => forms.forEach(f => f.noValidate = true)")
        with page.expect_navigation():
            page.locator("main").get_by_role("button", name=button).first.click()
        expect(page.locator(ERRORS).first).to_be_visible()

    return act


def _fill_and_submit(fields: dict[str, str], button: str | re.Pattern[str]) -> Action:
    def act(page: Page) -> None:
        for label, value in fields.items():
            page.get_by_label(label).first.fill(value)
        _submit(button)(page)

    return act


def _answer_quiz_wrongly(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Start the quiz").click()
    page.get_by_label("Other").check()
    page.get_by_label("Pressure").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Submit answers").click()
    expect(page.locator("#results")).to_contain_text("not passed yet")


def _turn_on_authenticator(page: Page) -> None:
    """Turn on an authenticator app with a real code, then open the recovery codes it issued."""
    secret = page.locator("#authenticator_secret").input_value()
    code = totp_code(secret)
    page.get_by_label(re.compile("Authenticator code", re.I)).fill(code)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="Turn on").click()
    expect(page).not_to_have_url(re.compile(r"/totp/activate/"))
    page.goto("/accounts/2fa/recovery-codes/")


def _password_then_code(code: str | None) -> Action:
    """Sign in as the learner, who has an authenticator app by then: the code's step; with
    ``code``, that code entered too."""

    def act(page: Page) -> None:
        page.context.clear_cookies()  # no sign-in half done from the state before
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(LEARNER)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        with page.expect_navigation():
            page.locator("main").get_by_role("button", name=re.compile("^sign in$", re.I)).click()
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
        if code is not None:
            page.locator("main input[type=text], main input:not([type])").first.fill(code)
            _submit(re.compile("sign in|confirm|verify", re.I))(page)

    return act


def _reauthenticate(page: Page) -> None:
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name=re.compile("confirm", re.I)).click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))


# Every page state of every role's journey: adding a page is adding a line.
JOURNEY = [
    State("signed out", "welcome", "/"),
    State("signed out", "sign in", "/accounts/login/"),
    State(
        "signed out",
        "sign in, wrong password",
        "/accounts/login/",
        _fill_and_submit(
            {"Email": LEARNER, "Password": "not the password"}, re.compile("^sign in$", re.I)
        ),
    ),
    State("signed out", "sign up", "/accounts/signup/"),
    State(
        "signed out",
        "sign up, passwords differ",
        "/accounts/signup/",
        _fill_and_submit(
            {
                "Email": "new.officer@example.net",
                "Password": "a long passphrase 2024",
                "Password (again)": "another passphrase 2024",
            },
            re.compile("sign up", re.I),
        ),
    ),
    State("signed out", "password reset", "/accounts/password/reset/"),
    State("signed out", "certificate check", "/certificates/verify/{certificate}/"),
    State("signed out", "page not found", "/no-such-page/"),
    State("signed out", "wellness", "/wellness/"),
    State("signed out", "two-factor step", "/accounts/login/", _password_then_code(None)),
    State(
        "signed out", "two-factor, wrong code", "/accounts/login/", _password_then_code("000000")
    ),
    State("learner", "home", "/"),
    State("learner", "catalog", "/series/"),
    State("learner", "catalog search", "/series/?q=victim"),
    State("learner", "catalog search, nothing found", "/series/?q=qqqzzz"),
    State("learner", "seed series", "/series/{seed_series}/"),
    State("learner", "seed module", "{seed_module}"),
    State("learner", "locked module", "{locked_module}"),
    State("learner", "content advisory", "{advisory}"),
    State("learner", "series", "/series/{series}/"),
    State("learner", "module", "{module}"),
    State("learner", "video", "{video}"),
    State("learner", "demo video, captions and transcript", "{seed_video}"),
    State("learner", "document", "{document}"),
    State("learner", "quiz", "{quiz}"),
    State("learner", "quiz, answered and not passed", "{quiz}", _answer_quiz_wrongly),
    State("learner", "survey", "{survey}"),
    State("learner", "survey, nothing answered", "{survey}", _submit("Submit")),
    State("learner", "resource", "{resource}"),
    State("learner", "certificate component", "{certificate_component}"),
    State("learner", "toolkit", "/toolkit/"),
    State("learner", "profile", "/accounts/profile/"),
    State("learner", "reminder preferences", "/reminders/preferences/"),
    State("learner", "email addresses", "/accounts/email/"),
    State("learner", "password change", "/accounts/password/change/"),
    State("learner", "two-factor", "/accounts/2fa/"),
    State("learner", "reauthenticate", "/accounts/2fa/totp/activate/"),
    State("learner", "authenticator app", "/accounts/2fa/totp/activate/", _reauthenticate),
    State(
        "learner",
        "authenticator app, wrong code",
        "/accounts/2fa/totp/activate/",
        _fill_and_submit({"Authenticator code": "000000"}, "Turn on"),
    ),
    State("learner", "recovery codes", "/accounts/2fa/totp/activate/", _turn_on_authenticator),
    State("learner", "two-factor, turned on", "/accounts/2fa/"),
    State("unaffiliated", "home, in no agency", "/"),
    State("graduate", "certificates", "/certificates/"),
    State("graduate", "transcript", "/transcript/"),
    State("supervisor", "dashboard", "/agency/"),
    State("supervisor", "learners", "/agency/learners/"),
    State("supervisor", "learners, overdue", "/agency/learners/?status=overdue"),
    State("supervisor", "learner drill-down", "/agency/learners/{learner}/"),
    State("supervisor", "learner transcript", "/agency/learners/{learner}/transcript/"),
    State("supervisor", "learner removal", "/agency/learners/{learner}/remove/"),
    State("supervisor", "assignments", "/agency/assignments/"),
    State("supervisor", "new assignment", "/agency/assignments/new/"),
    State("supervisor", "new assignment, empty", "/agency/assignments/new/", _submit("Assign")),
    State("supervisor", "compliance", "/agency/compliance/"),
    State("supervisor", "training rule", "/agency/compliance/rule/"),
    State(
        "supervisor",
        "training rule, bad hours",
        "/agency/compliance/rule/",
        _fill_and_submit({"Hours": "-3"}, "Save the rule"),
    ),
    State("author", "studio", "/studio/"),
    State("author", "new series", "/studio/series/new/"),
    State("author", "new series, empty", "/studio/series/new/", _submit("Create the series")),
    State("author", "studio series", "/studio/series/{series}/"),
    State("author", "studio seed series", "/studio/series/{seed_series}/"),
    State("author", "series settings", "/studio/series/{series}/edit/"),
    State("author", "new module", "/studio/series/{series}/modules/new/"),
    State("author", "module settings", "/studio/modules/{module_id}/edit/"),
    State("author", "component kinds", "/studio/modules/{module_id}/components/new/"),
    State("author", "edit demo video", "/studio/components/{seed_video_id}/edit/"),
    State("author", "new video", "/studio/modules/{module_id}/components/new/?kind=video"),
    State("author", "new document", "/studio/modules/{module_id}/components/new/?kind=document"),
    State(
        "author",
        "new document, empty",
        "/studio/modules/{module_id}/components/new/?kind=document",
        _submit("Add the document"),
    ),
    State("author", "new quiz", "/studio/modules/{module_id}/components/new/?kind=quiz"),
    State("author", "new resource", "/studio/modules/{module_id}/components/new/?kind=resource"),
    State("author", "edit quiz", "/studio/components/{quiz_id}/edit/"),
    State("author", "quiz questions", "/studio/components/{quiz_id}/questions/"),
    State("author", "new question", "/studio/components/{quiz_id}/questions/new/"),
    State("author", "delete component", "/studio/components/{document_id}/delete/"),
    State("author", "video statistics", "/studio/components/{video_id}/stats/"),
    State("author", "seed video statistics", "/studio/components/{seed_video_id}/stats/"),
    State("author", "quiz statistics", "/studio/components/{quiz_id}/stats/"),
    State("author", "survey statistics", "/studio/components/{survey_id}/stats/"),
    State("author", "studio toolkit", "/studio/toolkit/"),
    State("author", "new toolkit resource", "/studio/toolkit/new/"),
    State("author", "preview series", "/studio/preview/{series}/"),
    State("author", "preview quiz", "/studio/preview/{series}/{module_slug}/{quiz_slug}/"),
]


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    """The embedded demo's setting: supervisors and authors reach their pages without MFA."""
    settings.LMS_REQUIRE_MFA = False


def _journey_data(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The demo (seed_demo) and, beside it, a published series with every kind of component,
    in which the demo learner is enrolled; the URLs and ids the journey's pages need."""
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", stdout=io.StringIO())
    series = factories.SeriesFactory(slug="every-kind", title="Every Kind of Component")
    module = factories.ModuleFactory(series=series, slug="all-kinds", title="All Kinds", position=1)
    video = factories.video(module, slug="video", title="Video: First Contact", position=1)
    document = factories.ComponentFactory(
        module=module, slug="reading", title="Reading", position=2
    )
    quiz = factories.quiz(module, slug="check", title="Knowledge Check", position=3)
    survey = factories.survey(module, slug="feedback", title="Your Feedback", position=4)
    resource = factories.resource_component(
        module, slug="fact-sheet", title="Fact Sheet", position=5
    )
    certificate = factories.ComponentFactory(
        module=module, slug="certificate", title="Certificate", position=6,
        kind=Component.Kind.CERTIFICATE, body="", required=False,
    )  # fmt: skip
    learner = User.objects.get(email=LEARNER)
    services.enrollment_create(user=learner, series=series)
    factories.UserFactory(email=UNAFFILIATED, full_name="Sam Ortiz", password=DEMO_PASSWORD)

    seed = Series.objects.get(slug=SEED_SERIES)
    one = Module.objects.get(series=seed, slug=SEED_MODULE_ONE)
    two = Module.objects.get(series=seed, slug=SEED_MODULE_TWO)
    seed_video = Component.objects.get(module=one, kind=Component.Kind.VIDEO)
    graduate = User.objects.get(email=GRADUATE)
    return {
        "certificate": graduate.certificates.first().code,  # type: ignore[union-attr]
        "seed_series": seed.slug,
        "seed_module": one.get_absolute_url(),
        "locked_module": two.get_absolute_url(),
        "advisory": f"{one.get_absolute_url()}advisory/",
        "seed_video_id": str(seed_video.pk),
        "seed_video": seed_video.get_absolute_url(),
        "series": series.slug,
        "module": module.get_absolute_url(),
        "module_id": str(module.pk),
        "module_slug": module.slug,
        "video": video.get_absolute_url(),
        "video_id": str(video.pk),
        "document": document.get_absolute_url(),
        "document_id": str(document.pk),
        "quiz": quiz.get_absolute_url(),
        "quiz_id": str(quiz.pk),
        "quiz_slug": quiz.slug,
        "survey": survey.get_absolute_url(),
        "survey_id": str(survey.pk),
        "resource": resource.get_absolute_url(),
        "certificate_component": certificate.get_absolute_url(),
        "learner": str(learner.pk),
    }


def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(
            f"{AXE.relative_to(REPO_ROOT)} is missing: run `npm ci` at the repository root."
        )
    return AXE.read_text()


# Runs in the page: axe-core's WCAG 2.0/2.1 A and AA rules, the violations in a few words.
RUN_AXE = """async ([tags, rules]) => {
  const violations = [];
  const runs = [{type: "rule", values: rules}];
  if (tags.length) runs.push({type: "tag", values: tags});
  for (const runOnly of runs) {
    const results = await axe.run(document, {runOnly, resultTypes: ["violations"]});
    violations.push(...results.violations);
  }
  return violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => ({
      target: n.target.join(" "), summary: n.failureSummary,
    })),
    count: v.nodes.length,
  }));
}"""

# Runs in the page: the page's width, and the outermost elements that reach past the viewport.
OVERFLOW = """(limit) => {
  const wide = [];
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += "#" + el.id;
    else if (el.classList.length) name += "." + [...el.classList].slice(0, 3).join(".");
    return name;
  };
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= limit + 0.5) continue;
    const parent = el.parentElement;
    const parentWide = parent && parent.getBoundingClientRect().right > limit + 0.5;
    if (parentWide && parent !== document.body) continue;
    let scroller = parent;
    while (scroller && scroller !== document.body) {
      const overflow = getComputedStyle(scroller).overflowX;
      if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") break;
      scroller = scroller.parentElement;
    }
    const positioned = ["absolute", "fixed"].includes(getComputedStyle(el).position);
    // Inside a region that scrolls on its own, unless it escapes it (absolutely positioned).
    if (scroller && scroller !== document.body && !positioned) continue;
    wide.push(`${describe(el)} (right edge ${Math.round(box.right)} px)`);
  }
  return {width: document.documentElement.scrollWidth, wide: wide.slice(0, 8)};
}"""


class Audit:
    """Opens page states and records what each check finds."""

    def __init__(self, page: Page, data: dict[str, str], html_dir: Path) -> None:
        self.page = page
        self.data = data
        self.html_dir = html_dir
        self.axe = _axe_source()
        self.documents: dict[str, str] = {}  # file name -> page state
        self.axe_problems: list[str] = []
        self.reflow_problems: list[str] = []
        self.violations_by_rule: dict[str, int] = {}
        self._last: Response | None = None
        page.on("response", self._on_response)

    def _on_response(self, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self._last = response

    def open(self, state: State) -> None:
        label = f"{state.role}: {state.name}"
        self.page.set_viewport_size(WIDE)
        self.page.goto(state.url.format(**self.data))
        if state.act is not None:
            try:
                state.act(self.page)
            except Exception as error:
                error.add_note(f"while bringing {label} to its state")
                raise
        self.page.wait_for_load_state("load")
        self._save_html(label)
        self._check_axe(label, AXE_TAGS, AXE_RULES)
        self.page.set_viewport_size(NARROW)
        self._check_reflow(label)
        self._check_axe(f"{label} at 320 px", [], AXE_NARROW_RULES)
        self.page.set_viewport_size(WIDE)

    def _save_html(self, label: str) -> None:
        response = self._last
        assert response is not None, f"{label}: no page was loaded"
        assert response.status < 500, f"{label}: {response.url} answered {response.status}"
        name = f"{len(self.documents):03d}-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.html"
        (self.html_dir / name).write_text(response.text())
        self.documents[name] = f"{label} ({response.url})"

    def _check_axe(self, label: str, tags: list[str], rules: list[str]) -> None:
        if not self.page.evaluate("typeof axe === 'object'"):
            self.page.evaluate(self.axe)
        for violation in self.page.evaluate(RUN_AXE, [tags, rules]):
            self.violations_by_rule[violation["id"]] = (
                self.violations_by_rule.get(violation["id"], 0) + violation["count"]
            )
            nodes = "".join(
                f"\n      {node['target']}: {' '.join(node['summary'].split())}"
                for node in violation["nodes"]
            )
            self.axe_problems.append(
                f"{label}: {violation['id']} ({violation['impact']}, {violation['count']}"
                f" element(s)): {violation['help']}{nodes}"
            )

    def _check_reflow(self, label: str) -> None:
        found = self.page.evaluate(OVERFLOW, NARROW["width"])
        if found["width"] > NARROW["width"]:
            self.reflow_problems.append(
                f"{label}: {found['width']} px wide at 320 px; {', '.join(found['wide']) or '?'}"
            )

    def nu_problems(self) -> list[str]:
        """The Nu HTML checker's errors over every page saved, in one run of the checker."""
        if not VNU.exists():
            pytest.fail(
                f"{VNU.relative_to(REPO_ROOT)} is missing: run `npm ci` at the repository root."
            )
        files = sorted(self.html_dir.glob("*.html"))
        run = subprocess.run(  # noqa: S603 (the machine's Java, our jar and our files)
            [
                "/usr/bin/env",
                "java",
                "-jar",
                str(VNU),
                "--errors-only",
                "--format",
                "json",
                *map(str, files),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        messages = json.loads(run.stderr or run.stdout)["messages"]
        problems = []
        for message in messages:
            name = message.get("url", "").rsplit("/", 1)[-1]
            where = self.documents.get(name, name)
            problems.append(
                f"{where} line {message.get('lastLine')}: {message['message']}"
                f"\n      {' '.join(message.get('extract', '').split())}"
            )
        return problems


def test_every_page_of_every_role_meets_wcag_21_aa(page: Page, monkeypatch, tmp_path):
    """axe-core finds no violation, the Nu checker no error and nothing scrolls sideways at
    320 px, on every page state of the journey."""
    data = _journey_data(monkeypatch)
    audit = Audit(page, data, tmp_path)
    for role, email in ACCOUNTS.items():
        page.context.clear_cookies()
        if email is not None:
            _sign_in(page, email, DEMO_PASSWORD)
        for state in JOURNEY:
            if state.role == role:
                audit.open(state)
    assert len(audit.documents) == len(JOURNEY)

    nu = audit.nu_problems()
    report = []
    if audit.axe_problems:
        report.append("axe-core violations:\n  " + "\n  ".join(audit.axe_problems))
        report.append(f"by rule: {audit.violations_by_rule}")
    if nu:
        report.append(f"Nu HTML checker errors ({len(nu)}):\n  " + "\n  ".join(nu))
    if audit.reflow_problems:
        report.append("wider than 320 px:\n  " + "\n  ".join(audit.reflow_problems))
    assert not report, f"{len(JOURNEY)} page states checked\n" + "\n".join(report)


def test_every_page_of_every_role_meets_wcag_21_aa_in_spanish(page: Page, monkeypatch, tmp_path):
    """The same checks on the journey's pages in Spanish (the states a page reaches by itself;
    those brought about by English button names are checked in English above): longer words must
    not break the contrast, the labels or the reflow."""
    data = _journey_data(monkeypatch)
    audit = Audit(page, data, tmp_path)
    spanish = [state for state in JOURNEY if state.act is None]
    for role, email in ACCOUNTS.items():
        page.context.set_extra_http_headers({})
        page.context.clear_cookies()
        if email is not None:
            _sign_in(page, email, DEMO_PASSWORD)
        page.context.set_extra_http_headers({"Accept-Language": "es"})
        for state in spanish:
            if state.role == role:
                audit.open(state)
                assert page.locator("html").get_attribute("lang") == "es", state.name
    assert len(audit.documents) == len(spanish) > 50

    nu = audit.nu_problems()
    report = []
    if audit.axe_problems:
        report.append("axe-core violations:\n  " + "\n  ".join(audit.axe_problems))
    if nu:
        report.append(f"Nu HTML checker errors ({len(nu)}):\n  " + "\n  ".join(nu))
    if audit.reflow_problems:
        report.append("wider than 320 px:\n  " + "\n  ".join(audit.reflow_problems))
    assert not report, f"{len(spanish)} page states checked in Spanish\n" + "\n".join(report)


# Runs in the page: how the focused element shows its focus. The ring's colour (an outline, else
# a box-shadow), blended over what it sits on, against the first opaque background behind it
# (the parent's, when the outline is drawn outside the element).
FOCUS_RING = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const parse = (text) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(text || "");
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const channel = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const lum = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const mix = (c, bg, k) => c[k] * c.a + bg[k] * (1 - c.a);
  const over = (c, bg) => ({r: mix(c, bg, "r"), g: mix(c, bg, "g"), b: mix(c, bg, "b"), a: 1});
  const outside = parseFloat(style.outlineOffset) >= 0;
  let node = outside ? el.parentElement : el;
  let bg = {r: 255, g: 255, b: 255, a: 1};
  while (node && node.nodeType === 1) {
    const c = parse(getComputedStyle(node).backgroundColor);
    if (c && c.a > 0) { bg = c; break; }
    node = node.parentElement;
  }
  let width = style.outlineStyle !== "none" ? parseFloat(style.outlineWidth) : 0;
  let color = width > 0 ? parse(style.outlineColor) : null;
  let kind = "outline";
  if (!color && style.boxShadow && style.boxShadow !== "none") {
    color = parse(style.boxShadow);
    const lengths = style.boxShadow.replace(/rgba?\\([^)]*\\)/, "").match(/-?[\\d.]+px/g);
    const spread = (lengths || []).map(parseFloat);
    width = spread.length >= 4 ? spread[3] : 0;
    kind = "box-shadow";
  }
  const name = (el.getAttribute("aria-label") || el.innerText || el.value || el.id || "")
    .trim().slice(0, 60);
  return {
    element: `${el.tagName.toLowerCase()} "${name}"`,
    kind, width, contrast: color ? ratio(over(color, bg), bg) : 0,
  };
}"""


class Keyboard:
    """Moves through a page with the keyboard alone; every control focused on the way must show a
    focus ring of 2 px or more at 3:1 against its surroundings."""

    MAX_TABS = 80

    def __init__(self, page: Page) -> None:
        self.page = page
        self.checked: list[str] = []

    def _assert_focus_visible(self) -> None:
        ring = self.page.evaluate(FOCUS_RING)
        assert ring["width"] >= 2 and ring["contrast"] >= 3, (
            f"{self.page.url}: focus not visible {ring}"
        )
        self.checked.append(ring["element"])

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self._assert_focus_visible()

    def tab_to(self, target) -> None:
        """Tab forward until ``target`` (a locator) has the focus."""
        for _ in range(self.MAX_TABS):
            self.press("Tab")
            if target.evaluate("el => el === document.activeElement"):
                return
        raise AssertionError(f"{self.page.url}: {target} never took the focus")

    def activate(self, key: str = "Enter") -> None:
        with self.page.expect_navigation():
            self.page.keyboard.press(key)


def test_a_learner_completes_a_document_a_quiz_and_a_survey_with_the_keyboard_alone(
    page: Page, monkeypatch
):
    """Tab, Shift+Tab, Space, Enter and the arrow keys complete the three; focus shows on every
    control on the way."""
    data = _journey_data(monkeypatch)
    _sign_in(page, LEARNER, DEMO_PASSWORD)
    keys = Keyboard(page)
    main = page.locator("main")
    page.goto(data["document"])

    # The document: "I have read this".
    keys.tab_to(main.get_by_role("button", name="I have read this"))
    keys.activate()
    expect(main).to_contain_text("Marked as complete: “Reading”.")
    # On to the quiz by the module's list of components.
    keys.tab_to(main.locator(".component-outline").get_by_role("link", name="Knowledge Check"))
    keys.activate()
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge Check")

    # The quiz: start it, answer with Space, go back a step with Shift+Tab, submit with Enter.
    keys.tab_to(main.get_by_role("button", name="Start the quiz"))
    keys.activate()
    keys.tab_to(main.get_by_label("CSAM"))
    keys.press("Space")
    keys.tab_to(main.get_by_label("Choice"))
    keys.press("Space")
    keys.tab_to(main.get_by_label("Pressure"))
    keys.press("Shift+Tab")
    assert main.get_by_label("Control").evaluate("el => el === document.activeElement")
    keys.press("Space")
    expect(main.get_by_label("CSAM")).to_be_checked()
    expect(main.get_by_label("Control")).to_be_checked()
    keys.tab_to(main.get_by_role("button", name="Submit answers"))
    keys.activate()
    expect(main.locator("#results")).to_contain_text("passed")
    expect(main.locator("#results")).not_to_contain_text("not passed")
    keys.tab_to(main.locator(".component-outline").get_by_role("link", name="Your Feedback"))
    keys.activate()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your Feedback")

    # The survey: arrow keys move through the agreement scale, Space picks a role, text typed.
    likert = main.locator("fieldset").first.get_by_role("radio")
    keys.tab_to(likert.first)
    keys.press("Space")
    keys.press("ArrowRight")
    keys.press("ArrowRight")
    expect(likert.nth(2)).to_be_checked()
    keys.tab_to(main.get_by_label("Patrol"))
    keys.press("Space")
    keys.tab_to(main.get_by_label("Your answer"))
    page.keyboard.type("Clear and calm.")
    keys.tab_to(main.get_by_role("button", name="Submit"))
    keys.activate()
    expect(main).to_contain_text("Thank you: you answered this survey")

    progress = {
        p.component.slug: p.is_complete
        for p in Progress.objects.filter(
            enrollment__user__email=LEARNER,
            component__module__series__slug="every-kind",
            component__slug__in=["reading", "check", "feedback"],
        )
    }
    assert progress == {"reading": True, "check": True, "feedback": True}
    assert len(keys.checked) > 20, keys.checked


# Runs in the page: the chart's labels as drawn (shown ones only), in CSS pixels.
CHART_LABELS = """() => [...document.querySelectorAll(".completion-chart text")]
  .filter((t) => getComputedStyle(t).display !== "none")
  .map((t) => { const b = t.getBoundingClientRect();
    return {text: t.textContent, left: b.left, right: b.right, height: b.height}; })"""


def test_the_dashboard_chart_stays_readable_on_a_phone(page: Page, monkeypatch):
    """At 320 px the chart's labels are drawn at 9 px or more and do not overlap."""
    _journey_data(monkeypatch)
    _sign_in(page, "supervisor@example.com", DEMO_PASSWORD)
    page.set_viewport_size(NARROW)
    page.goto("/agency/")
    labels = page.evaluate(CHART_LABELS)
    dates = [label for label in labels if not label["text"].strip().isdigit()]
    assert len(dates) >= 3, labels
    assert all(label["height"] >= 9 for label in labels), labels
    for before, after in itertools.pairwise(dates):
        assert before["right"] <= after["left"], (before, after)
    page.set_viewport_size(WIDE)
    assert len(page.evaluate(CHART_LABELS)) > len(labels)  # on a wide screen every label shows
