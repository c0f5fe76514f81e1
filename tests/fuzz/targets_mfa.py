"""Two-factor set-up and use beyond allauth's TOTP pages: the code emailed before a first
authenticator, security keys and passkeys (WebAuthn: JSON answers to a challenge), and the
supervisor's removal of a learner from the agency."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.test import Client, TestCase
from fido2.utils import websafe_encode
from hypothesis import strategies as st

from tests.accounts.mfa import emailed_code
from tests.accounts.softkey import SoftKey, page_data
from tests.fuzz.strategies import Body, FieldSpec, hostile_text, json_values, weighted
from tests.fuzz.target import Specs, Target, url, writes
from tests.fuzz.targets_accounts import NEW_TOTP_SECRET, _reauthenticated, _totp
from tests.fuzz.world import WEBAUTHN_HOST, FuzzWorld

MFA_REQUIRED = {"LMS_REQUIRE_MFA": True}
CODE_PLACEHOLDER = "FUZZ-EMAILED-CODE"
ANSWER_PLACEHOLDER = "FUZZ-KEY-ANSWER"
MFA = writes("mfa.Authenticator", "accounts.MfaEnrollmentCode")


def _fill(placeholder: str, value: str, body: Body) -> Body:
    """``body`` with ``placeholder`` replaced by ``value``, encoded as the body is."""
    if "urlencoded" in body.content_type:
        encoded = quote_plus(value)
    elif body.content_type == "application/json":
        encoded = json.dumps(value)[1:-1]
    else:
        encoded = value
    return Body(
        body.content.replace(placeholder.encode(), encoded.encode()),
        body.content_type,
        body.headers,
    )


# --- The code emailed before a first authenticator ------------------------------------------


def _send_code(client: Client) -> str:
    """Ask for the code, as the page's button does; the email goes on commit: run it now."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url("accounts:mfa-email-code"), {"send": "1"})
    assert response.status_code == 302, "the fuzz could not ask for the emailed code"
    return emailed_code()


def _code_sent(client: Client, world: FuzzWorld) -> str:
    return _send_code(client)


def _code_confirmed(client: Client) -> None:
    code = _send_code(client)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url("accounts:mfa-email-code"), {"code": code})
    assert response.status_code == 302, "the fuzz's emailed code was refused"


def _fill_code(code: str, body: Body) -> Body:
    return _fill(CODE_PLACEHOLDER, code, body)


def _code_fields(world: FuzzWorld, specs: Specs) -> Specs:
    code = st.sampled_from([CODE_PLACEHOLDER, "0000 0000", "12345678", "1234 56789"])
    return [
        *(spec.but(valid=code) if spec.name == "code" else spec for spec in specs),
        FieldSpec("send", "bool"),
    ]


# --- TOTP after the emailed code ------------------------------------------------------------


def _confirmed_totp_setup(client: Client, world: FuzzWorld) -> None:
    _code_confirmed(client)
    _reauthenticated(client, world)
    client.get(url("mfa_activate_totp"))
    session = client.session
    session[SECRET_SESSION_KEY] = NEW_TOTP_SECRET
    session.save()


# --- WebAuthn: the page's challenge, a key's answer -----------------------------------------

_b64 = st.one_of(
    st.binary(max_size=48).map(websafe_encode),
    st.text(max_size=16),
    st.sampled_from(["", "!!!!", "====", "A" * 5000, "\x00"]),
)
_fake_answers = st.fixed_dictionaries(
    {
        "id": _b64,
        "rawId": _b64,
        "type": st.sampled_from(["public-key", "", "password"]),
        "response": st.fixed_dictionaries(
            {},
            optional={
                "clientDataJSON": _b64,
                "attestationObject": _b64,
                "authenticatorData": _b64,
                "signature": _b64,
                "userHandle": st.none() | _b64,
                "transports": json_values,
            },
        ),
    },
    optional={"clientExtensionResults": json_values, "authenticatorAttachment": _b64},
)


def _credential_fields(world: FuzzWorld, specs: Specs) -> Specs:
    """The ``credential`` a page's script posts: the key's real answer (filled in by
    ``_fill_answer``), or a forged one, or JSON of any shape, or not JSON at all."""
    credential = weighted(
        (3, st.just(ANSWER_PLACEHOLDER)),
        (2, _fake_answers.map(json.dumps)),
        (1, json_values.map(json.dumps)),
        (1, hostile_text()),
    )
    found = [spec.but(valid=credential) if spec.name == "credential" else spec for spec in specs]
    if not any(spec.name == "credential" for spec in found):
        found.append(FieldSpec("credential", "text", valid=credential))
    return found


def _fill_answer(answer: Callable[[], str], body: Body) -> Body:
    return (
        _fill(ANSWER_PLACEHOLDER, answer(), body)
        if ANSWER_PLACEHOLDER.encode() in body.content
        else body
    )


def _new_key_page(client: Client) -> Callable[[], str]:
    page = client.get(url("mfa_add_webauthn"))
    options = page_data(page.content.decode())["creation_options"]
    key = SoftKey(origin=f"http://{WEBAUTHN_HOST}")
    return lambda: json.dumps(key.create(options))


def _adding_a_key(client: Client, world: FuzzWorld) -> Callable[[], str]:
    _reauthenticated(client, world)
    return _new_key_page(client)


def _adding_a_key_after_the_code(client: Client, world: FuzzWorld) -> Callable[[], str]:
    _code_confirmed(client)
    return _adding_a_key(client, world)


def _passkey_sign_in(client: Client, world: FuzzWorld) -> Callable[[], str]:
    options = client.get(url("mfa_login_webauthn"), HTTP_ACCEPT="application/json")
    request_options = options.json()["request_options"]
    return lambda: json.dumps(world.passkey.get(request_options))


def _passkey_reauthentication(client: Client, world: FuzzWorld) -> Callable[[], str]:
    page = client.get(url("mfa_reauthenticate_webauthn"))
    request_options = page_data(page.content.decode())["request_options"]
    return lambda: json.dumps(world.passkey.get(request_options))


def _key(name: str) -> Callable[[FuzzWorld], str]:
    return lambda w: url(name, pk=w.passkey_id)


def _key_others(name: str) -> Callable[[FuzzWorld], list[str]]:
    return lambda w: [url(name, pk=10**9), url(name, pk=10**30)]


def _learner(world: FuzzWorld) -> Any:
    return world.matrix.values["demo_pd_learner"]


MFA_TARGETS: list[Target] = [
    Target(
        "accounts:mfa-email-code",
        "supervisor",
        lambda w: url("accounts:mfa-email-code"),
        prepare=_code_sent,
        finish=_fill_code,
        fields=_code_fields,
        settings=MFA_REQUIRED,
        examples=20,
        writes=MFA,
        refusal_writes=writes("accounts.MfaEnrollmentCode"),  # the count of wrong tries
    ),
    Target(
        "accounts:mfa-activate",
        "supervisor",
        lambda w: url("accounts:mfa-activate"),
        prepare=_confirmed_totp_setup,
        fields=lambda w, specs: [
            spec.but(valid=st.one_of(_totp(NEW_TOTP_SECRET), st.just("000000")))
            if spec.name == "code"
            else spec
            for spec in specs
        ],
        settings=MFA_REQUIRED,
        examples=10,
        writes=MFA,
    ),
    Target(
        "accounts:mfa-add-key",
        "supervisor",
        lambda w: url("accounts:mfa-add-key"),
        host=WEBAUTHN_HOST,
        prepare=_adding_a_key_after_the_code,
        finish=_fill_answer,
        fields=_credential_fields,
        settings=MFA_REQUIRED,
        examples=15,
        writes=MFA,
    ),
    Target(
        "mfa_add_webauthn",
        "learner",  # needs no emailed code
        lambda w: url("mfa_add_webauthn"),
        host=WEBAUTHN_HOST,
        prepare=_adding_a_key,
        finish=_fill_answer,
        fields=_credential_fields,
        examples=20,
        writes=MFA,
    ),
    Target(
        "mfa_login_webauthn",
        "anonymous",
        lambda w: url("mfa_login_webauthn"),
        host=WEBAUTHN_HOST,
        form_page=None,
        prepare=_passkey_sign_in,
        finish=_fill_answer,
        fields=_credential_fields,
        examples=20,
        writes=writes("accounts.User", "mfa.Authenticator"),  # last_login, the key's counter
    ),
    Target(
        "mfa_reauthenticate_webauthn",
        "mfa_holder",
        lambda w: url("mfa_reauthenticate_webauthn"),
        host=WEBAUTHN_HOST,
        prepare=_passkey_reauthentication,
        finish=_fill_answer,
        fields=_credential_fields,
        writes=writes("mfa.Authenticator"),
    ),
    Target(
        "mfa_edit_webauthn",
        "mfa_holder",
        _key("mfa_edit_webauthn"),
        others=_key_others("mfa_edit_webauthn"),
        prepare=_reauthenticated,
        writes=writes("mfa.Authenticator"),
    ),
    Target(
        "mfa_remove_webauthn",
        "mfa_holder",
        _key("mfa_remove_webauthn"),
        others=_key_others("mfa_remove_webauthn"),
        prepare=_reauthenticated,
        writes=writes("mfa.Authenticator"),
    ),
    Target(
        "agency:learner-remove",
        "supervisor",
        lambda w: url("agency:learner-remove", learner_id=_learner(w)),
        others=lambda w: [
            url("agency:learner-remove", learner_id=w.matrix.values["sheriff_learner"]),  # 404
            url("agency:learner-remove", learner_id=w.user("supervisor").pk),  # not a learner
            url("agency:learner-remove", learner_id=w.matrix.values["no_such_learner"]),
        ],
        fields=lambda w, specs: [
            *specs,
            FieldSpec("agency", "choice", choices=("demo-police-department", "nowhere")),
        ],
        writes=writes("accounts.*", "courses.*", "reminders.*", "certificates.*"),
    ),
]
