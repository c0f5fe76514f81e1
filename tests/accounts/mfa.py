"""Helpers for the MFA tests: signing in as a browser would, the emailed code, TOTP codes."""

import re
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.test import Client, TestCase

from tests import factories

EMAIL_CODE_URL = "/accounts/2fa/email-code/"
TOTP_ACTIVATE_URL = "/accounts/2fa/totp/activate/"
WEBAUTHN_ADD_URL = "/accounts/2fa/webauthn/add/"


class CommitClient(Client):
    """A test client whose requests run their on-commit callbacks (the emails, allauth's
    signals), as a real commit would: the tests' transaction never commits."""

    def request(self, **request):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(**request)


# A code read this close to the end of its period may expire before the form that carries it
# is checked (allauth allows no previous period by default): wait for the next one instead.
FRESH_SECONDS = 5


def totp_code(secret: str) -> str:
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < FRESH_SECONDS:
        time.sleep(left + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def sign_in(client: Client, user, password: str = factories.PASSWORD):
    """Sign in with the password, as the sign-in form does (not force_login)."""
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, response
    return response


def reauthenticate(client: Client, password: str = factories.PASSWORD) -> None:
    response = client.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302


def emailed_code(to: str | None = None) -> str:
    """The code in the last enrollment-code email (to ``to``, when given)."""
    for message in reversed(mail.outbox):
        if "Your code to set up two-factor" in message.subject and (to is None or to in message.to):
            match = re.search(r"^    (\d{4} \d{4})$", message.body, re.M)
            assert match, message.body
            return match.group(1)
    raise AssertionError("no enrollment code was emailed")


def confirm_email_code(client: Client, to: str | None = None) -> None:
    """Ask for the code and type it in, as the user does on the code page."""
    response = client.post(EMAIL_CODE_URL, {"send": "1"})
    assert response.status_code == 302
    response = client.post(EMAIL_CODE_URL, {"code": emailed_code(to)})
    assert response.status_code == 302, response.content.decode()
