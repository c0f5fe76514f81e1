"""allauth's forms as this site serves them: sign-in, sign-up, password reset and change, email
addresses, reauthentication, the two-factor stages and their set-up pages."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.test import Client
from hypothesis import strategies as st

from tests.fuzz.strategies import SPECIAL_URLS, FieldSpec
from tests.fuzz.target import Specs, Target, url, writes
from tests.fuzz.world import MFA_HOLDER, FuzzWorld
from tests.test_url_matrix import DEMO_PASSWORD

MATRIX_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # the matrix's holder's authenticator
NEW_TOTP_SECRET = "KRSXG5CTMVRXEZLU"  # put in the session of a learner setting TOTP up
STRONG = "Correct-horse-battery-staple-9"
SIGN_IN_EMAILS = (
    "learner@example.com",
    "supervisor@example.com",
    "author@example.com",
    "LEARNER@example.com",
    "nobody@example.com",
)

PASSWORD = FieldSpec("password", "text", valid=st.sampled_from([DEMO_PASSWORD, "wrong-password"]))
NEXT = FieldSpec("next", "url", valid=st.sampled_from(["/", "/agency/", *SPECIAL_URLS]))
LANGUAGE = FieldSpec(
    "language", "choice", choices=("en", "es"), valid=st.sampled_from(["en", "es", "fr", ""])
)


def _same_origin(client: Client, world: FuzzWorld) -> None:
    """What a browser adds to a post from a page of the site (the switcher needs it)."""
    client.defaults["HTTP_SEC_FETCH_SITE"] = "same-origin"


ACCOUNTS = writes("accounts.*", "account.*", "mfa.*", "courses.*", "reminders.*")


def _totp(secret: str) -> st.SearchStrategy[str]:
    """The code an authenticator app shows now (built when the example is drawn)."""
    return st.builds(lambda: format_hotp_value(hotp_value(secret, int(time.time()) // 30)))


def _override(**valid: st.SearchStrategy[str]):
    def fields(world: FuzzWorld, specs: Specs) -> Specs:
        return [spec.but(valid=valid[spec.name]) if spec.name in valid else spec for spec in specs]

    return fields


def _passwords(world: FuzzWorld, specs: Specs) -> Specs:
    # Mostly a password the validators take, typed twice alike: the form's other fields decide.
    strong = st.sampled_from([STRONG, STRONG, STRONG, "short", "password", "learner@example.com"])
    return _override(
        password=st.sampled_from([DEMO_PASSWORD, "wrong-password"]),
        oldpassword=st.sampled_from([DEMO_PASSWORD, "wrong-password"]),
        password1=strong,
        password2=strong,
    )(world, specs)


def _reauthenticated(client: Client, world: FuzzWorld) -> None:
    response = client.post(url("account_reauthenticate"), {"password": DEMO_PASSWORD})
    assert response.status_code == 302, "the fuzz's reauthentication failed"


def _totp_setup(client: Client, world: FuzzWorld) -> None:
    """Reauthenticated, on the TOTP set-up page, with a secret the fuzz knows."""
    _reauthenticated(client, world)
    client.get(url("mfa_activate_totp"))
    session = client.session
    session[SECRET_SESSION_KEY] = NEW_TOTP_SECRET
    session.save()


def _mfa_stage(client: Client, world: FuzzWorld) -> None:
    """Half-way through signing in: the password was right, the second factor is asked."""
    response = client.post(url("account_login"), {"login": MFA_HOLDER, "password": DEMO_PASSWORD})
    assert response["Location"] == url("mfa_authenticate"), "the fuzz's sign-in did not ask MFA"


def _reset_link(client: Client, world: FuzzWorld) -> None:
    """Followed a real reset link: the key is in the session, the new password is asked."""
    values = world.matrix.values
    client.get(
        url("account_reset_password_from_key", uidb36=values["reset_uid"], key=values["reset_key"])
    )


def _set_password_url(world: FuzzWorld) -> str:
    uid = world.matrix.values["reset_uid"]
    return url("account_reset_password_from_key", uidb36=uid, key="set-password")


def _codes(world: FuzzWorld, specs: Specs) -> Specs:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    holder = world.user("mfa_holder")
    recovery = RecoveryCodes(
        Authenticator.objects.get(user=holder, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    code = st.one_of(_totp(MATRIX_TOTP_SECRET), st.sampled_from(recovery), st.just("123456"))
    return _override(code=code)(world, specs)


ACCOUNT: list[Target] = [
    Target(
        "account_login",
        "anonymous",
        lambda w: url("account_login"),
        fields=lambda w, specs: [
            *_override(login=st.sampled_from(SIGN_IN_EMAILS), password=PASSWORD.valid)(w, specs),
            NEXT,
        ],
        examples=30,
        writes=writes("accounts.User", "accounts.SignInLock"),  # last_login, the count reset
        refusal_writes=writes("accounts.SignInLock"),  # a wrong password counts to the lock
    ),
    Target(
        "account_signup",
        "anonymous",
        lambda w: url("account_signup"),
        fields=lambda w, specs: _passwords(
            w,
            [
                spec.but(
                    valid=st.one_of(
                        st.emails(),
                        st.sampled_from(SIGN_IN_EMAILS),
                        st.just("new.officer@example.com"),
                    )
                )
                if spec.name == "email"
                else spec
                for spec in specs
            ],
        ),
        examples=30,
        writes=ACCOUNTS,
    ),
    Target(
        "account_reset_password",
        "anonymous",
        lambda w: url("account_reset_password"),
        fields=_override(email=st.sampled_from(SIGN_IN_EMAILS)),
        writes=writes(),
    ),
    Target(
        "account_reset_password_from_key",
        "anonymous",
        _set_password_url,
        others=lambda w: [
            url("account_reset_password_from_key", uidb36="zz", key="bad-key"),
            url("account_reset_password_from_key", uidb36="9" * 40, key="x" * 500),
        ],
        prepare=_reset_link,
        fields=_passwords,
        writes=writes("accounts.User"),
    ),
    Target(
        "account_change_password",
        "learner",
        lambda w: url("account_change_password"),
        fields=_passwords,
        writes=writes("accounts.User"),
    ),
    Target(
        "account_set_password",
        "learner",  # has a password already: sent to change it
        lambda w: url("account_set_password"),
        form_page=None,
        fields=_passwords,
        writes=writes("accounts.User"),
    ),
    Target(
        "account_email",
        "learner",
        lambda w: url("account_email"),
        fields=lambda w, specs: [
            *_override(
                email=st.sampled_from(
                    ["learner@example.com", "second@example.org", "casey.porter@example.com"]
                )
            )(w, specs),
            *(FieldSpec(f"action_{a}", "bool") for a in ("add", "send", "remove", "primary")),
        ],
        examples=25,
        writes=writes("account.EmailAddress"),
    ),
    Target(
        # The language switcher in every page's footer (no form object: its two fields named
        # here), posted as a browser posts it from a page of the site.
        "accounts:language",
        "learner",
        lambda w: url("accounts:language"),
        form_page=None,
        fields=lambda w, specs: [LANGUAGE, NEXT],
        prepare=_same_origin,
        writes=writes("accounts.User"),
    ),
    Target(
        "accounts:language",
        "anonymous",
        lambda w: url("accounts:language"),
        label="signed out",
        form_page=None,
        fields=lambda w, specs: [LANGUAGE, NEXT],
        prepare=_same_origin,
        writes=writes(),
    ),
    Target(
        # The idle warning's "Stay signed in": any body is read as a touch of the session.
        "accounts:session",
        "learner",
        lambda w: url("accounts:session"),
        form_page=None,
        writes=writes(),
    ),
    Target(
        "account_reauthenticate",
        "learner",
        lambda w: url("account_reauthenticate"),
        fields=_passwords,
        writes=writes("accounts.SignInLock"),
        refusal_writes=writes("accounts.SignInLock"),  # a wrong password counts to the lock
    ),
    Target(
        "account_request_reauthentication_code",
        "learner",
        lambda w: url("account_request_reauthentication_code"),
        form_page=None,
        writes=writes(),
    ),
    Target(
        "account_confirm_reauthentication_code",
        "learner",
        lambda w: url("account_confirm_reauthentication_code"),
        form_page=None,
        fields=lambda w, specs: [FieldSpec("code", "text")],
        writes=writes(),
    ),
    Target(
        "account_confirm_login_code",
        "anonymous",
        lambda w: url("account_confirm_login_code"),
        form_page=None,
        fields=lambda w, specs: [FieldSpec("code", "text")],
        writes=writes(),
    ),
    Target(
        "account_confirm_email",
        "anonymous",
        lambda w: url("account_confirm_email", key=w.unconfirmed_key),
        others=lambda w: [
            url("account_confirm_email", key=w.matrix.values["confirm_key"]),  # verified already
            url("account_confirm_email", key="no-such-key"),
            url("account_confirm_email", key="a:b:c" * 50),
        ],
        form_page=None,
        writes=writes("account.EmailAddress", "accounts.*", "courses.*"),
    ),
    Target(
        "account_email_verification_sent",
        "anonymous",
        lambda w: url("account_email_verification_sent"),
        form_page=None,
        examples=5,
        writes=writes(),
    ),
    Target(
        "account_logout",
        "learner",
        lambda w: url("account_logout"),
        form_page=None,
        fields=lambda w, specs: [NEXT],
        writes=writes(),
    ),
    Target(
        "mfa_authenticate",
        "anonymous",
        lambda w: url("mfa_authenticate"),
        prepare=_mfa_stage,
        fields=_codes,
        examples=20,
        writes=writes("accounts.User", "mfa.Authenticator"),
    ),
    Target(
        "mfa_reauthenticate",
        "mfa_holder",
        lambda w: url("mfa_reauthenticate"),
        fields=_codes,
        writes=writes("mfa.Authenticator"),
    ),
    Target(
        "mfa_activate_totp",
        "learner",
        lambda w: url("mfa_activate_totp"),
        prepare=_totp_setup,
        fields=_override(code=st.one_of(_totp(NEW_TOTP_SECRET), st.just("000000"))),
        examples=20,
        writes=writes("mfa.Authenticator"),
    ),
    Target(
        "mfa_deactivate_totp",
        "mfa_holder",
        lambda w: url("mfa_deactivate_totp"),
        prepare=_reauthenticated,
        writes=writes("mfa.Authenticator"),
    ),
    Target(
        "mfa_generate_recovery_codes",
        "mfa_holder",
        lambda w: url("mfa_generate_recovery_codes"),
        prepare=_reauthenticated,
        writes=writes("mfa.Authenticator"),
    ),
]
