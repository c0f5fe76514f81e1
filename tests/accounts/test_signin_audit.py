"""Sign-in and account events in the audit log: who, what, target, source address, outcome;
never a password."""

import io
import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.test import Client

from accounts.models import SignInLock
from audit.models import AuditEvent
from audit.services import canonical
from tests import factories

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new pass phrase 81"
WRONG = "guess-the-password-1234"


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def _via_proxy(address: str) -> Client:
    return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=address)


@pytest.fixture
def behind_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def _sign_in(client, user, password=factories.PASSWORD):
    return client.post("/accounts/login/", {"login": user.email, "password": password})


def test_a_sign_in_is_recorded_with_the_clients_address(behind_proxy, learner):
    """auth.login: the user as actor and target, the address behind the proxy."""
    assert _sign_in(_via_proxy("203.0.113.7"), learner).status_code == 302
    [event] = _events("auth.login")
    assert (event.actor_id, event.target_id, event.outcome) == (
        learner.pk,
        str(learner.pk),
        "success",
    )
    assert event.ip == "203.0.113.7"


def test_a_failed_sign_in_records_the_attempted_login_and_never_the_password(behind_proxy, learner):
    """auth.login_failed: the login tried as target, no actor; the password appears nowhere
    (not in the record, not in the line streamed to the SIEM)."""
    client = _via_proxy("198.51.100.4")
    _sign_in(client, learner, password=WRONG)
    client.post("/accounts/login/", {"login": "Nobody@Example.org", "password": WRONG})
    known, unknown = _events("auth.login_failed")
    assert (known.target, known.actor_id, known.outcome) == (learner.email, None, "failure")
    assert unknown.target == "nobody@example.org"
    assert known.ip == unknown.ip == "198.51.100.4"
    assert known.details == {"reason": "wrong password", "failures": 1}
    for event in AuditEvent.objects.all():
        stored = json.dumps(
            [event.target, event.actor, event.details, event.target_id], ensure_ascii=False
        )
        assert WRONG not in stored


def test_the_line_for_the_siem_carries_no_password(behind_proxy, learner):
    """The JSON line streamed for a failure (the record's canonical content) names the login,
    never the password."""
    _sign_in(_via_proxy("198.51.100.4"), learner, password=WRONG)
    line = json.dumps(canonical(_events("auth.login_failed")[0]), default=str)
    assert learner.email in line and WRONG not in line


def test_a_lockout_and_the_refused_attempts_after_it_are_recorded(client, learner):
    """auth.lockout names the account; each attempt while locked is a refused login_failed."""
    for _ in range(5):
        _sign_in(client, learner, password=WRONG)
    [lockout] = _events("auth.lockout")
    assert (lockout.target_id, lockout.outcome) == (str(learner.pk), "refused")
    assert lockout.details["failures"] == 5
    _sign_in(client, learner)  # the right password, refused
    refused = _events("auth.login_failed")[-1]
    assert (refused.outcome, refused.details["reason"]) == ("refused", "locked")
    assert not _events("auth.login")


def test_signing_out_is_recorded(client, learner):
    """auth.logout, by the user who signs out."""
    _sign_in(client, learner)
    client.post("/accounts/logout/")
    [event] = _events("auth.logout")
    assert (event.actor_id, event.target_id) == (learner.pk, str(learner.pk))


def test_a_password_change_is_recorded(client, learner):
    """account.password_changed, by the owner."""
    _sign_in(client, learner)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": factories.PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    [event] = _events("account.password_changed")
    assert (event.actor_id, event.target_id) == (learner.pk, str(learner.pk))
    assert NEW_PASSWORD not in json.dumps(event.details)


def test_a_password_set_is_recorded(client, learner):
    """account.password_set, for an account that had no usable password."""
    learner.set_unusable_password()
    learner.save()
    client.force_login(learner)
    response = client.post(
        "/accounts/password/set/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    [event] = _events("account.password_set")
    assert event.actor_id == learner.pk


def _reset_password(client, user):
    client.post("/accounts/password/reset/", {"email": user.email})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    form_url = client.get(link.group(1))["Location"]
    return client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


def test_a_password_reset_is_recorded_and_lifts_a_lock(client, learner):
    """account.password_reset; the owner who reset their password is no longer locked out."""
    for _ in range(5):
        _sign_in(Client(), learner, password=WRONG)
    assert SignInLock.objects.get(user=learner).locked_at is not None
    assert _reset_password(client, learner).status_code == 302
    [event] = _events("account.password_reset")
    assert (event.actor_id, event.target_id) == (learner.pk, str(learner.pk))
    [unlocked] = _events("auth.unlocked")
    assert unlocked.details["by"] == "password reset"
    assert _sign_in(Client(), learner, password=NEW_PASSWORD).status_code == 302


def test_adding_changing_and_removing_an_email_address_is_recorded(client, learner):
    """account.email_added, account.email_changed (the primary address), account.email_removed."""
    _sign_in(client, learner)
    client.post("/accounts/email/", {"action_add": "", "email": "second@example.org"})
    [added] = _events("account.email_added")
    assert added.details == {"email": "second@example.org", "verified": False}

    EmailAddress.objects.filter(email="second@example.org").update(verified=True)
    client.post("/accounts/email/", {"action_primary": "", "email": "second@example.org"})
    [changed] = _events("account.email_changed")
    assert changed.details == {"from": learner.email, "to": "second@example.org"}
    assert changed.actor_id == learner.pk

    client.post("/accounts/email/", {"action_remove": "", "email": learner.email})
    [removed] = _events("account.email_removed")
    assert removed.details == {"email": learner.email}


def test_the_chain_still_verifies_after_sign_in_events(client, learner):
    """The events join the tamper-evident chain like any other."""
    _sign_in(client, learner, password=WRONG)
    _sign_in(client, learner)
    client.post("/accounts/logout/")
    call_command("audit_verify", stdout=io.StringIO())
