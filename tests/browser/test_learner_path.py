"""A learner's path through the seed series, in a real browser against the live server."""

import io
import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import User
from courses.models import Component, Enrollment, Progress

pytestmark = pytest.mark.browser

SERIES_TITLE = "Working with Victims and Survivors of CSAM for Law Enforcement"
MODULE_ONE = "Understanding CSAM and Its Impacts"
MODULE_TWO = "Making First Contact and Victim Communication in CSAM Cases"
READING = "Reading: Survivor-Centered Language, CSA and CSAM, and Choice, Consent, and Control"
RESOURCE = "Resource: NCMEC - Support for Child Sexual Abuse Material Survivors & Their Families"
DEMO_PASSWORD = "browser-demo-passphrase-7"
VIDEO_TIMEOUT_MS = 40_000


def _seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", stdout=io.StringIO())


def _sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    # Exactly "Sign in": the page also offers "Sign in with a passkey".
    page.locator("main").get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()


def _acknowledge_advisory_if_shown(page: Page, screenshot, name: str) -> None:
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(
        re.compile(rf"^(Before you start this module|{re.escape(READING)})$")
    )
    if heading.text_content() == "Before you start this module":
        screenshot(page, name)
        page.get_by_role("button", name="I understand, continue to the module").click()


def _video_call(page: Page, body: str):
    """Run ``body`` with ``v`` bound to the training video, once its metadata is loaded."""
    # A function, not an expression: Playwright polls an expression with eval() in the page,
    # which the Content-Security-Policy refuses.
    page.wait_for_function("() => document.getElementById('training-video').readyState >= 1")
    return page.evaluate(
        f"async () => {{ const v = document.getElementById('training-video'); {body} }}"
    )


def _play_to_completion(page: Page) -> None:
    _video_call(page, "v.muted = true; v.playbackRate = 2; await v.play();")
    expect(page.locator("[data-complete-message]")).to_be_visible(timeout=VIDEO_TIMEOUT_MS)
    expect(page.locator("#component-state")).to_contain_text("Completed")


def _next_component(page: Page, title: str) -> None:
    nav = page.get_by_role("navigation", name="Components")
    nav.locator("[data-next-link]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)


def test_new_learner_signs_up_and_completes_the_seed_series(
    page: Page, screenshot, monkeypatch: pytest.MonkeyPatch
):
    _seed(monkeypatch)
    email, password = "riley.new@example.net", "a long learner passphrase 2024"

    # Welcome page, then sign up through the real allauth form.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Training for the people who support survivors"
    )
    screenshot(page, "learner-path-01-welcome")
    page.locator("main").get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    page.get_by_label("Full name").fill("Riley Newcomer")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"Password\W*$")).fill(password)
    page.get_by_label("Password (again)").fill(password)
    screenshot(page, "learner-path-02-signup")
    page.locator("main").get_by_role("button", name=re.compile("sign up", re.I)).click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    screenshot(page, "learner-path-03-verify-your-email")

    # The verification email went to the locmem outbox (the live server runs in this process).
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [email]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body)
    assert link, message.body
    page.goto(link.group(0))
    screenshot(page, "learner-path-04-confirm-email")
    page.locator("main").get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text(f"You have confirmed {email}.")
    screenshot(page, "learner-path-05-email-confirmed")
    if not page.get_by_role("link", name="Sign out").is_visible():
        _sign_in(page, email, password)
    user = User.objects.get(email=email)
    assert user.full_name == "Riley Newcomer"
    assert user.emailaddress_set.get(email=email).verified

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My training")
    expect(page.get_by_text("You are not enrolled in any training yet.")).to_be_visible()
    screenshot(page, "learner-path-06-home-empty")

    # Catalogue and series page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalog")
    screenshot(page, "learner-path-07-catalogue")
    page.get_by_role("link", name=SERIES_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SERIES_TITLE)
    modules = page.locator("ol.list-unstyled > li.card")
    expect(modules).to_have_count(2)
    for index in range(2):
        expect(modules.nth(index)).to_contain_text("Contains 2 Component(s)")
    expect(modules.nth(0)).to_contain_text(MODULE_ONE)
    expect(modules.nth(0).locator(".state-badge")).to_have_count(0)
    expect(modules.nth(1)).to_contain_text(MODULE_TWO)
    expect(modules.nth(1).locator(".state-badge")).to_have_text("Locked")
    expect(modules.nth(1)).to_contain_text(f"Builds on “{MODULE_ONE}”")
    screenshot(page, "learner-path-08-series-before-enrolment")

    page.get_by_role("button", name="Enroll in this series").click()
    expect(page.get_by_role("status")).to_contain_text(f"You are enrolled in “{SERIES_TITLE}”.")
    expect(page.get_by_role("button", name="Enroll in this series")).to_have_count(0)
    screenshot(page, "learner-path-09-series-after-enrolment")

    # Module one: the content advisory comes first.
    page.get_by_role("link", name=re.compile(r"^(Start the series|Resume)$")).click()
    expect(page.get_by_role("heading", name="Before you start this module")).to_be_visible()
    expect(page.locator(".advisory")).to_contain_text("It contains no abusive imagery.")
    screenshot(page, "learner-path-10-advisory-module-1")
    page.get_by_role("button", name="I understand, continue to the module").click()

    # Video one, played through at double speed.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Video: Understanding CSAM and Its Impacts"
    )
    expect(page.locator("[data-complete-message]")).to_be_hidden()
    _play_to_completion(page)
    expect(page.locator("[data-watched-percent]")).to_have_text("100")
    screenshot(page, "learner-path-11-video-1-complete")

    # The reading.
    _next_component(page, READING)
    screenshot(page, "learner-path-12-document")
    page.get_by_role("button", name="I have read this").click()

    # Module two is open now; its advisory comes first.
    expect(page.get_by_role("heading", name="Before you start this module")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text(f"Module complete: “{MODULE_ONE}”.")
    screenshot(page, "learner-path-13-advisory-module-2")
    page.get_by_role("button", name="I understand, continue to the module").click()

    # Video two: seeking straight to the end completes nothing.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Video: Making First Contact and Victim Communication in CSAM Cases"
    )
    progress_url = page.locator("#training-video").get_attribute("data-progress-url")
    seek = _video_call(
        page,
        """
        v.muted = true; v.playbackRate = 2;
        const seeked = new Promise((done) => v.addEventListener("seeked", done, {once: true}));
        v.currentTime = v.duration - 0.5;
        await seeked;
        return {position: v.currentTime, duration: v.duration};
        """,
    )
    assert seek["position"] >= seek["duration"] - 1, (
        f"The player could not seek to {seek['duration'] - 0.5} s and stayed at "
        f"{seek['position']} s: the media view must answer HTTP Range requests (206)."
    )
    with page.expect_response(
        lambda r: urlparse(r.url).path == progress_url and r.request.method == "POST",
        timeout=15_000,
    ) as response_info:
        _video_call(page, "await v.play();")
    sent = response_info.value.request.post_data_json
    # The player reports only what it played after the jump: at most the last half second.
    assert sent["position"] >= seek["duration"] - 1, sent
    assert all(start >= seek["duration"] - 1.5 for start, _end in sent["watched"]), sent
    report = response_info.value.json()
    assert report["completed"] is False
    assert report["percent"] < 90
    expect(page.locator("[data-watched-percent]")).to_have_text(str(report["percent"]))
    expect(page.locator("[data-complete-message]")).to_be_hidden()
    expect(page.locator("#component-state")).not_to_contain_text("Completed")
    screenshot(page, "learner-path-14-video-2-after-seeking-to-the-end")

    _video_call(page, "v.currentTime = 0;")
    _play_to_completion(page)
    screenshot(page, "learner-path-15-video-2-complete")

    # The toolkit resource opens in a new tab; opening it through the tracked link completes it.
    _next_component(page, RESOURCE)
    screenshot(page, "learner-path-16-resource")
    context = page.context
    outside = lambda r: urlparse(r.url).hostname not in {"127.0.0.1", "localhost"}  # noqa: E731
    with (
        context.expect_event("requestfailed", outside) as failed_info,
        page.expect_popup() as popup_info,
    ):
        page.get_by_role("link", name="Open the resource").click()
    popup = popup_info.value
    outside_url = failed_info.value.url
    resource = Component.objects.get(title=RESOURCE).resource
    assert urlparse(outside_url).scheme == "https"
    assert outside_url == resource.url
    popup.close()
    page.reload()
    expect(page.locator("#component-state")).to_have_text("Completed")
    expect(page.get_by_text(re.compile(r"^Opened on "))).to_be_visible()
    expect(page.locator("#series-progress .progress-bar")).to_have_text("100%")
    screenshot(page, "learner-path-17-resource-opened")

    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=MODULE_TWO).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MODULE_TWO)
    expect(page.locator(".list-group-item .state-badge")).to_have_text(["Completed", "Completed"])
    screenshot(page, "learner-path-18-module-2-page")

    # My training: the series is complete.
    page.goto("/")
    card = page.locator("article.card-series", has_text=SERIES_TITLE)
    expect(card.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    expect(card.locator(".progress-bar")).to_have_text("100%")
    expect(card.locator(".badge")).to_contain_text("Completed")
    expect(card.get_by_role("link", name="Review the series")).to_be_visible()
    screenshot(page, "learner-path-19-home-completed")

    enrollment = Enrollment.objects.get(user=user)
    assert enrollment.percent_complete == 100
    assert enrollment.completed_at is not None
    completed = Progress.objects.filter(enrollment=enrollment, state=Progress.State.COMPLETED)
    assert completed.count() == 4


def test_seeded_learner_resumes_where_they_left_off(
    page: Page, screenshot, monkeypatch: pytest.MonkeyPatch
):
    _seed(monkeypatch)
    _sign_in(page, "learner@example.com", DEMO_PASSWORD)

    page.goto("/")
    card = page.locator("article.card-series", has_text=SERIES_TITLE)
    expect(card.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "25")
    expect(card.locator(".progress-bar")).to_have_text("25%")
    screenshot(page, "resume-01-home-part-way")
    card.get_by_role("link", name="Resume").click()

    _acknowledge_advisory_if_shown(page, screenshot, "resume-02-advisory")
    expect(page.get_by_role("heading", level=1)).to_have_text(READING)
    expect(page.get_by_role("button", name="I have read this")).to_be_visible()
    expect(page.locator("#series-progress .progress-bar")).to_have_text("25%")
    screenshot(page, "resume-03-reading")
