from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest
from django.utils import translation

from accounts import lockout
from accounts.selectors import email_language
from audit.services import audit_record
from lms.clientip import client_ip


def _login_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "")


class AccountAdapter(DefaultAccountAdapter):
    """Project hooks into allauth.

    Sign-up stays open; agency membership follows a verified email (see accounts.signals).
    Every password check passes the lockout (``accounts.lockout``); signing in and out is
    recorded in the audit log.
    """

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # One message for a locked account and for an email of no account (no enumeration).
        "account_locked": (
            "Signing in to this account is paused after too many failed attempts. Try again "
            "in %d minutes, or ask your agency's administrator to unlock it. If you have "
            "forgotten your password, reset it."
        ),
    }

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails (``templates/account/email/``, ``templates/mfa/email/``) sign off
        with the site's address, ``LMS_BASE_URL``, not the host the request came in on, and are
        written in the recipient's language (``accounts.selectors.email_language``; allauth
        itself writes in the request's)."""
        language = email_language(email=email, user=context.get("user"))
        with translation.override(language):
            super().send_mail(
                template_prefix, email, {"base_url": settings.LMS_BASE_URL, **context}
            )

    def is_safe_url(self, url: str | None) -> bool:
        """allauth parses a ``next`` address itself before Django checks it, and Python's parser
        raises on a malformed bracketed host (``http://[\\x00::1]/``): such an address is not
        safe to go to, and the sign-in page still opens (it was a 500; found by the fuzz)."""
        try:
            return super().is_safe_url(url)
        except ValueError:
            return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's per-address limits count the client behind our proxies (``lms.clientip``),
        and never refuse a request whose forwarding header is shorter than expected."""
        return client_ip(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """A locked account (or locked unknown email) is refused before any password check,
        with the same message either way; then allauth's per-address limits apply."""
        if not lockout.signin_check(login=_login_of(credentials), request=request):
            raise self.validation_error("account_locked", settings.LMS_LOCKOUT_COOLOFF_MINUTES)
        super().pre_authenticate(request, **credentials)

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        user = super().authenticate(request, **credentials)
        if user is not None:
            lockout.signin_succeeded(user=user)
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        """A wrong password (or an email of no account) counts towards the lock."""
        lockout.signin_failed(login=_login_of(credentials), request=request)

    def pre_login(self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> Any:
        """A new session key once the password (or code) is right, before a second factor is
        asked: a key planted before sign-in never carries a half-signed-in state. Django's
        login rotates it again when the sign-in completes."""
        response = super().pre_login(request, user, **kwargs)
        if response is None and hasattr(request, "session"):
            request.session.cycle_key()
        return response

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().login(request, user)  # the session's clocks start then (accounts.auth_signals)
        audit_record(action="auth.login", actor=user, target=user, request=request)

    def logout(self, request: HttpRequest) -> None:
        """Signing out ends the session on the server (``flush`` deletes it from the store): a
        copy of the cookie opens nothing afterwards."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            audit_record(action="auth.logout", actor=user, target=user, request=request)
        super().logout(request)


class MFAAdapter(DefaultMFAAdapter):
    """Project hooks into allauth.mfa."""

    def generate_authenticator_name(self, user: AbstractBaseUser, type: Authenticator.Type) -> str:
        """The name a new key is offered under ("Security key 1", "Security key 2", ...)."""
        count = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        return f"Security key {count + 1}"
