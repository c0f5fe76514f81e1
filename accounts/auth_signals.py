"""allauth's account and MFA events that only allauth can report (its own flows send these
signals; it offers no other hook): each is recorded in the audit log, a password reset lifts a
sign-in lock, and turning on an authenticator gives the session a new key. And Django's own
``user_logged_in``, sent by every sign-in whatever started it, starts the session's clocks.

Sign-in, sign-out and failed passwords are recorded by our own code where they are decided
(``accounts.adapters``, ``accounts.lockout``), not here.
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from accounts import lockout, sessions
from accounts.models import User
from audit.services import audit_record


@receiver(account_signals.password_changed)
def record_password_changed(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_record(action="account.password_changed", actor=user, target=user, request=request)


@receiver(account_signals.password_set)
def record_password_set(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_record(action="account.password_set", actor=user, target=user, request=request)


@receiver(account_signals.password_reset)
def record_password_reset(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """The owner proved the mailbox and chose a new password: the guesses that locked the
    account were against the old one, so the lock is lifted (and recorded)."""
    audit_record(action="account.password_reset", actor=user, target=user, request=request)
    lockout.signin_unlock(user=user, by="password reset", actor=user, request=request)


@receiver(account_signals.email_added)
def record_email_added(
    sender: Any, request: HttpRequest, user: User, email_address: Any, **kwargs: Any
) -> None:
    audit_record(
        action="account.email_added",
        actor=user,
        target=user,
        request=request,
        details={"email": email_address.email, "verified": bool(email_address.verified)},
    )


@receiver(account_signals.email_changed)
def record_email_changed(
    sender: Any,
    request: HttpRequest,
    user: User,
    from_email_address: Any,
    to_email_address: Any,
    **kwargs: Any,
) -> None:
    audit_record(
        action="account.email_changed",
        actor=user,
        target=user,
        request=request,
        details={
            "from": from_email_address.email if from_email_address is not None else None,
            "to": to_email_address.email,
        },
    )


@receiver(account_signals.email_removed)
def record_email_removed(
    sender: Any, request: HttpRequest, user: User, email_address: Any, **kwargs: Any
) -> None:
    audit_record(
        action="account.email_removed",
        actor=user,
        target=user,
        request=request,
        details={"email": email_address.email},
    )


@receiver(mfa_signals.authenticator_added)
def new_session_key_on_mfa(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """A session that has just raised its own assurance gets a new key (allauth keeps it).

    Not for recovery codes: allauth makes them with a first app or key (whose own signal has
    rotated the key already) and sends their signal after commit, which may come after the
    response has set the cookie: a key rotated then would sign the user out."""
    authenticator = kwargs.get("authenticator")
    if authenticator is not None and authenticator.type == Authenticator.Type.RECOVERY_CODES:
        return
    if request is not None and hasattr(request, "session"):
        request.session.cycle_key()


@receiver(user_logged_in)
def start_session_clocks(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    """The idle and absolute limits count from the sign-in (``accounts.sessions``); a session
    that carried an earlier sign-in's stamps starts afresh."""
    if request is not None and hasattr(request, "session"):
        sessions.session_start(request.session)
