"""Two-factor set-up in Chromium, as a supervisor of the demo with LMS_REQUIRE_MFA on: the emailed
code first, then an authenticator app, or a passkey made by Chromium's virtual authenticator
(the DevTools WebAuthn domain) through allauth's own JavaScript; then signing in with the
passkey alone."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.accounts.mfa import totp_code
from tests.browser.test_learner_path import DEMO_PASSWORD, _seed, _sign_in
from tests.browser.test_security_policy import PolicyWatch

pytestmark = pytest.mark.browser

SUPERVISOR = "supervisor@example.com"


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    """Production's setting; the live server thread reads the same settings."""
    settings.LMS_REQUIRE_MFA = True


def _emailed_code() -> str:
    message = next(m for m in reversed(mail.outbox) if "Your code to set up" in m.subject)
    match = re.search(r"^    (\d{4} \d{4})$", message.body, re.M)
    assert match, message.body
    return match.group(1)


def _through_the_emailed_code(page: Page, screenshot, button: str, watch: PolicyWatch) -> None:
    """From the agency link to the page that adds the authenticator: the code page, the code
    from the email, the password again; none of them refused anything by the site's CSP."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agency").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/$"))
    expect(page.get_by_text("turn on two-factor authentication to open them")).to_be_visible()
    screenshot(page, "mfa-index")
    page.get_by_role("link", name=button).click()
    expect(page.get_by_role("heading", name="First, confirm your email address")).to_be_visible()
    screenshot(page, "mfa-email-code")
    watch.check("the email-code page")
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_text("Email sent: look for the code in your inbox.")).to_be_visible()
    watch.check("the code sent")
    page.get_by_label("Code from the email").fill(_emailed_code())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("your email address is confirmed")).to_be_visible()
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def test_a_supervisor_turns_on_an_authenticator_app_after_the_emailed_code(
    page: Page, monkeypatch, screenshot
):
    _seed(monkeypatch)
    watch = PolicyWatch(page)
    _sign_in(page, SUPERVISOR, DEMO_PASSWORD)
    _through_the_emailed_code(page, screenshot, "Set up an authenticator app", watch)
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    screenshot(page, "mfa-totp-activate")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    watch.check("the recovery codes")
    page.goto("/agency/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo Police Department")


def test_a_supervisor_adds_a_passkey_and_then_signs_in_with_it_alone(
    page: Page, monkeypatch, screenshot
):
    _seed(monkeypatch)
    watch = PolicyWatch(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    _sign_in(page, SUPERVISOR, DEMO_PASSWORD)
    _through_the_emailed_code(page, screenshot, "Add a security key or passkey", watch)
    expect(page.get_by_role("heading", name="Add a security key or passkey")).to_be_visible()
    screenshot(page, "mfa-webauthn-add")
    watch.check("the add-key page")
    page.get_by_label("Name").fill("Work laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    supervisor = User.objects.get(email=SUPERVISOR)
    key = Authenticator.objects.get(user=supervisor, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Work laptop" and key.wrap().is_passwordless

    page.goto("/accounts/2fa/webauthn/")
    expect(page.get_by_text("Work laptop")).to_be_visible()
    screenshot(page, "mfa-webauthn-list")
    watch.check("the key list")
    page.goto("/accounts/logout/")
    page.locator("main").get_by_role("button", name=re.compile("sign out", re.I)).click()

    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()
    watch.check("signed in with the passkey")
    page.goto("/agency/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo Police Department")
