"""Sign-in protection in a real browser: the warning before the idle sign-out appears near the
limit, “Stay signed in” gives the full time back, and once the server has ended the session the
page goes to the sign-in page, which says why; a locked account's sign-in page."""

import re
import time

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from accounts.sessions import SEEN_KEY
from audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.browser


def _sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.locator("main").get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    expect(page.get_by_role("link", name="Sign out")).to_be_visible()


def _age_sessions(seconds: int) -> None:
    """Make every session's last activity ``seconds`` older, on the server."""
    for row in Session.objects.all():
        store = Session.get_session_store_class()(row.session_key)
        if SEEN_KEY in store:
            store[SEEN_KEY] = time.time() - seconds
            store.save()


def test_the_warning_offers_to_stay_signed_in_then_signs_out(page: Page, screenshot, settings):
    # One idle minute, the warning in its last 57 seconds: the dialog comes about 3 s after load.
    settings.LMS_SESSION_IDLE_MINUTES = 1
    settings.LMS_SESSION_WARNING_SECONDS = 57
    user = factories.UserFactory(email="officer@example.org", full_name="Robin Officer")
    _sign_in(page, user.email)
    page.goto("/series/")

    dialog = page.get_by_role("dialog", name="Are you still there?")
    expect(dialog).to_be_visible(timeout=10_000)
    expect(dialog).to_contain_text("you will be signed out in")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    screenshot(page, "session-warning")

    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    assert page.url.endswith("/series/")

    # Two minutes idle on the server (as if the computer had slept): at its next check the
    # page finds the session over and goes to the sign-in page, which says why.
    expect(dialog).to_be_visible(timeout=10_000)
    _age_sessions(120)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fseries%2F$"), timeout=20_000)
    expect(page.locator(".messages")).to_contain_text(
        "You were signed out after 1 minute without activity."
    )
    screenshot(page, "session-signed-out")


def test_sign_out_from_the_warning_ends_the_session(page: Page, settings):
    """The dialog's “Sign out” signs out on the server (a POST with the CSRF cookie's token)."""
    settings.LMS_SESSION_IDLE_MINUTES = 1
    settings.LMS_SESSION_WARNING_SECONDS = 59
    user = factories.UserFactory(email="leaving@example.org")
    _sign_in(page, user.email)
    dialog = page.get_by_role("dialog", name="Are you still there?")
    expect(dialog).to_be_visible(timeout=10_000)
    dialog.get_by_role("button", name="Sign out").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    assert not any("_auth_user_id" in row.get_decoded() for row in Session.objects.all())
    assert AuditEvent.objects.filter(action="auth.logout", actor_id=user.pk).exists()


def test_a_locked_account_is_told_calmly_what_to_do(page: Page, screenshot):
    """The lockout message on the sign-in page (the same for an email of no account)."""
    user = factories.UserFactory(email="locked@example.org")
    page.goto("/accounts/login/")
    for _ in range(5):
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill("a wrong guess at the password")
        page.locator("main").get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
        expect(page.locator("main")).to_contain_text("are not correct")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.locator("main").get_by_role("button", name=re.compile(r"^sign in$", re.I)).click()
    expect(page.locator("main")).to_contain_text(
        "Signing in to this account is paused after too many failed attempts."
    )
    screenshot(page, "sign-in-locked")
