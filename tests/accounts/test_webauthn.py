"""Security keys and passkeys (allauth.mfa's WebAuthn) beside the authenticator app: whole
ceremonies against the server with a software key (tests/accounts/softkey.py), no mocks."""

import json
import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail

from audit.models import AuditEvent
from tests.accounts.mfa import (
    WEBAUTHN_ADD_URL,
    confirm_email_code,
    reauthenticate,
    sign_in,
)
from tests.accounts.mfa import CommitClient as Client
from tests.accounts.softkey import SoftKey, page_data

pytestmark = pytest.mark.django_db

# WebAuthn needs a secure origin; fido2 (like browsers) counts http://localhost as one.
HOST = "localhost"


@pytest.fixture
def client():
    return Client(HTTP_HOST=HOST)


@pytest.fixture(autouse=True)
def _mfa_required(settings):
    settings.LMS_REQUIRE_MFA = True


def _add_key(client, key: SoftKey, *, passkey: bool = False, name: str = "Desk key"):
    page = client.get(WEBAUTHN_ADD_URL)
    assert page.status_code == 200, page
    credential = key.create(page_data(page.content.decode())["creation_options"], passkey=passkey)
    data = {"name": name, "credential": json.dumps(credential)}
    if passkey:
        data["passwordless"] = "on"
    return client.post(WEBAUTHN_ADD_URL, data)


def _enrol_key(client, user, key: SoftKey, *, passkey: bool = False):
    sign_in(client, user)
    confirm_email_code(client)
    reauthenticate(client)
    return _add_key(client, key, passkey=passkey)


def test_a_supervisor_adds_a_security_key_after_the_emailed_code_and_opens_the_agency(
    client, supervisor
):
    key = SoftKey()
    response = _enrol_key(client, supervisor, key)
    assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/recovery-codes/")
    authenticator = Authenticator.objects.get(user=supervisor, type="webauthn")
    assert authenticator.wrap().name == "Desk key"
    assert Authenticator.objects.filter(user=supervisor, type="recovery_codes").exists()
    assert client.get("/agency/").status_code == 200
    assert client.get("/accounts/2fa/webauthn/").status_code == 200  # the list of keys
    event = AuditEvent.objects.get(action="mfa.webauthn_added")
    assert event.details["name"] == "Desk key" and event.details["passkey"] is False


def test_a_key_made_for_another_site_is_refused(client, supervisor):
    """A credential whose client data names another origin (a phishing page) adds nothing."""
    sign_in(client, supervisor)
    confirm_email_code(client)
    reauthenticate(client)
    page = client.get(WEBAUTHN_ADD_URL)
    phished = SoftKey(origin="https://training-tracker.example.net")
    credential = phished.create(page_data(page.content.decode())["creation_options"])
    response = client.post(WEBAUTHN_ADD_URL, {"name": "x", "credential": json.dumps(credential)})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=supervisor).exists()


def test_the_key_is_the_second_factor_at_sign_in(client, supervisor):
    key = SoftKey()
    _enrol_key(client, supervisor, key)
    client.post("/accounts/logout/")

    response = sign_in(client, supervisor)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # the password alone does not sign in
    page = client.get("/accounts/2fa/authenticate/")
    assertion = key.get(page_data(page.content.decode())["request_options"])
    response = client.post("/accounts/2fa/authenticate/", {"credential": json.dumps(assertion)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == supervisor.pk
    assert client.get("/agency/").status_code == 200


def test_a_passkey_signs_in_on_its_own(client, supervisor):
    key = SoftKey()
    _enrol_key(client, supervisor, key, passkey=True)
    assert Authenticator.objects.get(user=supervisor, type="webauthn").wrap().is_passwordless
    client.post("/accounts/logout/")

    options = client.get("/accounts/2fa/webauthn/login/", HTTP_ACCEPT="application/json")
    assert options.status_code == 200
    assertion = key.get(options.json()["request_options"])
    response = client.post("/accounts/2fa/webauthn/login/", {"credential": json.dumps(assertion)})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == supervisor.pk
    assert client.get("/agency/").status_code == 200


def test_a_passkey_of_another_user_signs_nobody_in(client, supervisor, agency):
    """The assertion names its user; a key registered to nobody here is refused."""
    stranger = SoftKey()
    stranger.user_handle = "Mg"  # user 2's handle, with a key nobody registered
    options = client.get("/accounts/2fa/webauthn/login/", HTTP_ACCEPT="application/json")
    assertion = stranger.get(options.json()["request_options"])
    client.post("/accounts/2fa/webauthn/login/", {"credential": json.dumps(assertion)})
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)  # allauth emails after a real commit, in the request
def test_adding_and_removing_a_key_emails_the_owner_and_is_recorded(supervisor):
    client = Client(HTTP_HOST=HOST)
    _enrol_key(client, supervisor, SoftKey())
    authenticator = Authenticator.objects.get(user=supervisor, type="webauthn")
    response = client.post(f"/accounts/2fa/webauthn/keys/{authenticator.pk}/remove/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=supervisor).exists()  # recovery codes too
    subjects = [m.subject.removeprefix("[Training Tracker] ") for m in mail.outbox]
    assert subjects == [
        "Your code to set up two-factor authentication",
        "Two-factor authentication: security key added",
        "Two-factor authentication: security key removed",
    ]
    actions = list(
        AuditEvent.objects.filter(action__startswith="mfa.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "mfa.enrol_code_sent",
        "mfa.enrol_code_confirmed",
        "mfa.webauthn_added",
        "mfa.recovery_codes_generated",
        "mfa.webauthn_removed",
        "mfa.recovery_codes_removed",
    ]


def test_the_webauthn_pages_load_allauths_scripts_as_files_with_no_inline_script(
    client, supervisor
):
    """A strict Content-Security-Policy runs no inline script: every <script> on the key pages
    is a file from our static files or a JSON data block (type="application/json")."""
    sign_in(client, supervisor)
    confirm_email_code(client)
    reauthenticate(client)
    page = client.get(WEBAUTHN_ADD_URL).content.decode()
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert [s for s in sources if "webauthn" in s or "onload" in s] == [
        "/static/mfa/js/webauthn-json.js",
        "/static/mfa/js/webauthn.js",
        "/static/account/js/onload.js",
        "/static/js/webauthn-errors.js",
    ]
    for login_page in (page, client.get("/accounts/login/").content.decode()):
        for tag in re.findall(r"<script\b[^>]*>", login_page):
            assert "src=" in tag or 'type="application/json"' in tag, tag
    assert 'style="' not in page


MALFORMED_ANSWERS = [
    '{"id": "", "rawId": "0", "type": "public-key", "response": {}}',  # id is not its rawId
    '{"id": "AA", "rawId": "AA", "type": "public-key", "response": {"clientDataJSON": "!!"}}',
    '{"id": "AA", "rawId": "AA", "type": "public-key", "response": {"clientDataJSON": "AA", '
    '"authenticatorData": "AA", "signature": "AA", "userHandle": "AA"}}',
    "[]",
    '"a key"',
    "1e999",
    "[" * 3000 + "]" * 3000,  # past Python's recursion limit
    # Falsy: allauth skipped its check and stored a key that is none (MFA "turned on").
    "false",
    "0",
    "{}",
]


@pytest.mark.parametrize("answer", MALFORMED_ANSWERS)
def test_a_malformed_answer_when_adding_a_key_is_refused(client, supervisor, answer):
    """Refused like a wrong key, nothing added (found by the fuzz: fido2's parsers raised
    ValueError or RecursionError through allauth's form, a 500, and a falsy answer was stored
    as a key)."""
    sign_in(client, supervisor)
    confirm_email_code(client)
    reauthenticate(client)
    client.get(WEBAUTHN_ADD_URL)
    response = client.post(WEBAUTHN_ADD_URL, {"name": "Desk key", "credential": answer})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=supervisor).exists()


@pytest.mark.parametrize("answer", MALFORMED_ANSWERS)
def test_a_malformed_answer_signs_nobody_in_with_a_passkey(client, supervisor, answer):
    client.get("/accounts/2fa/webauthn/login/", HTTP_ACCEPT="application/json")
    response = client.post("/accounts/2fa/webauthn/login/", {"credential": answer})
    assert response.status_code < 500
    assert "_auth_user_id" not in client.session
