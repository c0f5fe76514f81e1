"""Every MFA change emails the owner (allauth's notifications, in our words) and is recorded in
the audit log. allauth sends its emails in the request, after the change commits: these tests
let transactions commit."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.conf import settings
from django.core import mail
from django.test import Client

from audit.models import AuditEvent
from tests.accounts.mfa import TOTP_ACTIVATE_URL, reauthenticate, sign_in, totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def _subjects() -> list[str]:
    return [m.subject.removeprefix("[Training Tracker] ") for m in mail.outbox]


def _actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_id=str(user.pk), action__startswith="mfa.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def _turn_on_totp(client: Client, user) -> str:
    sign_in(client, user)
    reauthenticate(client)
    client.get(TOTP_ACTIVATE_URL)
    secret = client.session[SECRET_SESSION_KEY]
    assert client.post(TOTP_ACTIVATE_URL, {"code": totp_code(secret)}).status_code == 302
    return secret


def test_turning_totp_on_and_off_and_new_codes_each_email_the_owner_and_are_recorded(learner):
    client = Client()
    _turn_on_totp(client, learner)
    assert client.post("/accounts/2fa/recovery-codes/generate/").status_code == 302
    assert client.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user=learner).exists()

    assert _subjects() == [
        "Two-factor authentication: authenticator app turned on",
        "Two-factor authentication: new recovery codes",
        "Two-factor authentication: authenticator app turned off",
    ]
    assert {tuple(m.to) for m in mail.outbox} == {("learner@example.org",)}
    assert _actions(learner) == [
        "mfa.activated",
        "mfa.recovery_codes_generated",  # with the app
        "mfa.recovery_codes_generated",  # asked for
        "mfa.deactivated",
        "mfa.recovery_codes_removed",  # with the last authenticator
    ]
    event = AuditEvent.objects.filter(action="mfa.activated").get()
    assert (event.actor_id, event.ip, event.details["type"]) == (learner.pk, "127.0.0.1", "totp")


def test_the_notices_speak_in_the_products_voice(learner):
    """No "Hello from testserver!": the product's name, what changed, when and from where,
    and what to do if it was not you."""
    _turn_on_totp(Client(), learner)
    (notice,) = mail.outbox
    body = notice.body
    assert "Hello from" not in body and "testserver" not in body
    assert "An authenticator app was turned on for two-factor authentication." in body
    assert "From the network address: 127.0.0.1" in body
    assert "If it was not you, someone else may know your password." in body
    assert body.rstrip().endswith(f"Training Tracker\n{settings.LMS_BASE_URL}")


def test_a_password_change_emails_the_owner_too(learner):
    client = Client()
    sign_in(client, learner)
    new = "a different passphrase 7"
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "correct horse battery staple", "password1": new, "password2": new},
    )
    assert response.status_code == 302
    assert _subjects() == ["Your password was changed"]
    assert "Hello from" not in mail.outbox[0].body
