"""A first authenticator for a role that must use MFA needs a code emailed to the verified
address as well as the password (issue 11: "MFA that a password alone cannot enrol")."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core import mail
from django.urls import resolve, reverse
from django.utils import timezone

from accounts.models import MfaEnrollmentCode
from audit.models import AuditEvent
from tests import factories
from tests.accounts.mfa import (
    EMAIL_CODE_URL,
    TOTP_ACTIVATE_URL,
    WEBAUTHN_ADD_URL,
    confirm_email_code,
    emailed_code,
    reauthenticate,
    sign_in,
    totp_code,
)
from tests.accounts.mfa import (
    CommitClient as Client,
)

pytestmark = pytest.mark.django_db

GATED = f"{EMAIL_CODE_URL}?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F"


@pytest.fixture
def client():
    return Client()


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.LMS_REQUIRE_MFA = True


def _actions(user) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(target_id=str(user.pk), action__startswith="mfa.")
        .order_by("id")
        .values_list("action", "outcome")
    )


@pytest.mark.parametrize(
    ("role", "area"), [("supervisor", "/agency/"), ("author", "/studio/"), ("staff", "/admin/")]
)
def test_a_password_alone_cannot_enrol_an_authenticator_and_open_the_role_pages(
    client, request, role, area
):
    """The probe's finding: whoever holds only the password signs in, confirms the password
    again, and tries to turn on an authenticator app of their own and a security key: nothing
    is added, and the role's pages stay closed."""
    user = request.getfixturevalue(role)
    sign_in(client, user)
    reauthenticate(client)

    page = client.get(TOTP_ACTIVATE_URL)
    assert (page.status_code, page["Location"]) == (302, GATED)
    secret = client.session.get(SECRET_SESSION_KEY)  # only set if the activation page showed
    attempt = client.post(TOTP_ACTIVATE_URL, {"code": totp_code(secret) if secret else "000000"})
    assert attempt.status_code == 302 and attempt["Location"].startswith(EMAIL_CODE_URL)
    key = client.post(WEBAUTHN_ADD_URL, {"name": "mine", "credential": "{}"})
    assert key.status_code == 302 and key["Location"].startswith(EMAIL_CODE_URL)

    assert not Authenticator.objects.filter(user=user).exists()
    response = client.get(area)
    assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/")


@pytest.mark.django_db(transaction=True)  # allauth emails after a real commit, in the request
def test_with_the_emailed_code_the_owner_turns_on_totp_and_opens_the_agency_pages(
    client, supervisor
):
    """Activate → the code page → the code from the email → the password → the app's code:
    TOTP is on, the agency pages open, and the owner was emailed at each step."""
    sign_in(client, supervisor)
    assert client.get(TOTP_ACTIVATE_URL)["Location"] == GATED
    page = client.get(GATED)
    assert page.status_code == 200
    assert "supervisor@example.org" in page.content.decode()

    assert client.post(GATED, {"send": "1"}).status_code == 302
    (message,) = mail.outbox
    assert message.to == ["supervisor@example.org"]
    assert message.subject == "[Training Tracker] Your code to set up two-factor authentication"
    response = client.post(GATED, {"code": emailed_code()})
    assert (response.status_code, response["Location"]) == (302, TOTP_ACTIVATE_URL)

    response = client.get(TOTP_ACTIVATE_URL)
    assert response["Location"].startswith("/accounts/reauthenticate/")  # allauth's own step
    reauthenticate(client)
    assert client.get(TOTP_ACTIVATE_URL).status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    assert client.post(TOTP_ACTIVATE_URL, {"code": totp_code(secret)}).status_code == 302

    assert Authenticator.objects.filter(user=supervisor, type="totp").exists()
    assert client.get("/agency/").status_code == 200
    assert [m.subject for m in mail.outbox][1:] == [
        "[Training Tracker] Two-factor authentication: authenticator app turned on"
    ]
    assert _actions(supervisor) == [
        ("mfa.enrol_code_sent", "success"),
        ("mfa.enrol_code_confirmed", "success"),
        ("mfa.activated", "success"),
        ("mfa.recovery_codes_generated", "success"),
    ]


def test_the_gated_paths_resolve_to_the_gate_before_allauths_views():
    """lms/urls.py includes accounts.urls before allauth's: its gated views win the paths, and
    allauth's URL names lead to them."""
    assert reverse("mfa_activate_totp") == TOTP_ACTIVATE_URL
    assert reverse("mfa_add_webauthn") == WEBAUTHN_ADD_URL
    assert resolve(TOTP_ACTIVATE_URL).view_name == "accounts:mfa-activate"
    assert resolve(WEBAUTHN_ADD_URL).view_name == "accounts:mfa-add-key"


def test_learners_add_an_authenticator_with_the_password_alone(client, learner):
    """MFA is optional for learners: no emailed code (it would protect nothing the password
    does not already open)."""
    sign_in(client, learner)
    assert client.get(TOTP_ACTIVATE_URL)["Location"].startswith("/accounts/reauthenticate/")
    assert client.get(EMAIL_CODE_URL)["Location"] == "/accounts/2fa/"
    assert not mail.outbox


def test_no_code_when_the_site_does_not_require_mfa(client, supervisor, settings):
    settings.LMS_REQUIRE_MFA = False
    sign_in(client, supervisor)
    assert client.get(TOTP_ACTIVATE_URL)["Location"].startswith("/accounts/reauthenticate/")


def test_no_code_once_the_user_has_an_authenticator(client, supervisor):
    """With one authenticator, adding another goes through allauth's reauthentication in a
    session that signed in with it."""
    Authenticator.objects.create(user=supervisor, type=Authenticator.Type.TOTP, data={})
    client.force_login(supervisor)
    assert client.get(WEBAUTHN_ADD_URL)["Location"].startswith("/accounts/reauthenticate/")
    assert client.get(EMAIL_CODE_URL)["Location"] == "/accounts/2fa/"


def test_a_wrong_code_costs_a_try_and_the_last_try_spends_the_code(client, supervisor):
    sign_in(client, supervisor)
    client.post(EMAIL_CODE_URL, {"send": "1"})
    right = emailed_code()
    wrong = "0000 0000" if right != "0000 0000" else "1111 1111"
    for left in (4, 3, 2, 1):
        page = client.post(EMAIL_CODE_URL, {"code": wrong})
        assert page.status_code == 200
        tries = "1 try" if left == 1 else f"{left} tries"
        assert f"That code is not the one we sent. {tries} left." in page.content.decode()
    page = client.post(EMAIL_CODE_URL, {"code": wrong})
    assert "This code no longer works" in page.content.decode()
    page = client.post(EMAIL_CODE_URL, {"code": right})  # too late, even the right one
    assert page.status_code == 200
    assert client.get(TOTP_ACTIVATE_URL)["Location"] == GATED
    failed = [a for a in _actions(supervisor) if a[0] == "mfa.enrol_code_failed"]
    assert failed == [("mfa.enrol_code_failed", "failure")] * 6


def test_a_code_expires_after_its_minutes(client, supervisor, monkeypatch, settings):
    sign_in(client, supervisor)
    client.post(EMAIL_CODE_URL, {"send": "1"})
    row = MfaEnrollmentCode.objects.get(user=supervisor)
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    later = timezone.now() + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    page = client.post(EMAIL_CODE_URL, {"code": emailed_code()})
    assert "This code no longer works" in page.content.decode()


def test_a_code_works_once_and_the_confirmation_lasts_its_minutes(client, supervisor, monkeypatch):
    sign_in(client, supervisor)
    confirm_email_code(client)
    code = emailed_code()
    assert MfaEnrollmentCode.objects.get(user=supervisor).used_at is not None
    # Used: typing it again (the page redirects now, so ask the service) confirms nothing new.
    from accounts.access import MFA_ENROLLMENT_BINDING_KEY
    from accounts.services import CodeCheck, mfa_enrollment_code_check

    binding = client.session[MFA_ENROLLMENT_BINDING_KEY]
    again = mfa_enrollment_code_check(user=supervisor, binding=binding, code=code)
    assert again.outcome is CodeCheck.SPENT
    assert client.get(TOTP_ACTIVATE_URL)["Location"].startswith("/accounts/reauthenticate/")

    later = timezone.now() + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert client.get(TOTP_ACTIVATE_URL)["Location"] == GATED


def test_a_code_works_only_in_the_session_that_asked_for_it(supervisor):
    """Someone signed in elsewhere with the password cannot use the owner's code, nor the
    owner's confirmation."""
    owner, other = Client(), Client()
    sign_in(owner, supervisor)
    sign_in(other, supervisor)
    other.post(EMAIL_CODE_URL, {"send": "1"})  # the other session has a code of its own too
    owner.post(EMAIL_CODE_URL, {"send": "1"})  # ... which this one replaces
    code = emailed_code()
    page = other.post(EMAIL_CODE_URL, {"code": code})
    assert page.status_code == 200
    assert other.get(TOTP_ACTIVATE_URL)["Location"] == GATED

    assert owner.post(EMAIL_CODE_URL, {"code": code}).status_code == 302
    assert other.get(TOTP_ACTIVATE_URL)["Location"] == GATED
    assert owner.get(TOTP_ACTIVATE_URL)["Location"].startswith("/accounts/reauthenticate/")


def test_a_code_is_for_its_user_only(client, supervisor, agency):
    """Another supervisor cannot confirm with a code sent to someone else."""
    colleague = factories.supervisor_of(agency, email="colleague@example.org")
    owner = Client()
    sign_in(owner, supervisor)
    owner.post(EMAIL_CODE_URL, {"send": "1"})
    sign_in(client, colleague)
    client.post(EMAIL_CODE_URL, {"send": "1"})
    page = client.post(EMAIL_CODE_URL, {"code": emailed_code("supervisor@example.org")})
    assert "That code is not the one we sent" in page.content.decode()
    assert client.get(TOTP_ACTIVATE_URL)["Location"] == GATED


def test_a_new_code_replaces_the_one_before(client, supervisor):
    sign_in(client, supervisor)
    client.post(EMAIL_CODE_URL, {"send": "1"})
    first = emailed_code()
    client.post(EMAIL_CODE_URL, {"send": "1"})
    second = emailed_code()
    if first != second:
        page = client.post(EMAIL_CODE_URL, {"code": first})
        assert "That code is not the one we sent" in page.content.decode()
    assert client.post(EMAIL_CODE_URL, {"code": second}).status_code == 302


def test_at_most_five_codes_an_hour(client, supervisor):
    sign_in(client, supervisor)
    for _ in range(5):
        client.post(EMAIL_CODE_URL, {"send": "1"})
    response = client.post(EMAIL_CODE_URL, {"send": "1"}, follow=True)
    assert "no new one was sent" in response.content.decode()
    assert len(mail.outbox) == 5
    sent = [a for a in _actions(supervisor) if a[0] == "mfa.enrol_code_sent"]
    assert sent == [("mfa.enrol_code_sent", "success")] * 5 + [("mfa.enrol_code_sent", "refused")]


def test_only_a_keyed_hash_of_the_code_is_stored(client, supervisor):
    sign_in(client, supervisor)
    client.post(EMAIL_CODE_URL, {"send": "1"})
    code = emailed_code().replace(" ", "")
    row = MfaEnrollmentCode.objects.get(user=supervisor)
    stored = " ".join(str(getattr(row, f.attname)) for f in MfaEnrollmentCode._meta.fields)
    assert code not in stored
    assert client.session.session_key not in stored  # the binding is a hash of a token too


def test_the_code_goes_to_the_verified_primary_address_only(client, supervisor):
    EmailAddress.objects.create(user=supervisor, email="sam.home@example.net", verified=True)
    sign_in(client, supervisor)
    client.post(EMAIL_CODE_URL, {"send": "1"})
    assert [m.to for m in mail.outbox] == [["supervisor@example.org"]]


def test_without_a_verified_address_no_code_is_sent(client, supervisor):
    EmailAddress.objects.filter(user=supervisor).update(verified=False)
    client.force_login(supervisor)
    page = client.get(EMAIL_CODE_URL)
    assert "no verified email address" in page.content.decode()
    assert client.post(EMAIL_CODE_URL, {"send": "1"}).status_code == 200
    assert not mail.outbox


def test_adding_an_email_address_waits_for_mfa_where_the_code_is_needed(client, supervisor):
    """Otherwise whoever holds the password adds an address of theirs, makes it primary and
    receives the code there."""
    sign_in(client, supervisor)
    reauthenticate(client)
    page = client.post("/accounts/email/", {"action_add": "", "email": "taker@example.net"})
    assert page.status_code == 200
    assert "turn it on first" in page.content.decode()
    assert not EmailAddress.objects.filter(email="taker@example.net").exists()


def test_learners_still_add_email_addresses(client, learner):
    sign_in(client, learner)
    reauthenticate(client)
    response = client.post("/accounts/email/", {"action_add": "", "email": "jordan@example.net"})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=learner, email="jordan@example.net").exists()


def test_the_next_address_is_only_ever_an_mfa_page(client, supervisor):
    """The code page sends the user on only to the pages that add an authenticator."""
    sign_in(client, supervisor)
    client.post(EMAIL_CODE_URL, {"send": "1"})
    url = f"{EMAIL_CODE_URL}?next=https://elsewhere.example/"
    response = client.post(url, {"code": emailed_code()})
    assert response["Location"] == "/accounts/2fa/"
