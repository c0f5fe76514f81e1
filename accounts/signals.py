from allauth.account.signals import email_confirmed
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.middleware import NAV_AUTHOR_KEY, NAV_SUPERVISOR_KEY, SESSION_KEY
from accounts.models import Agency, Membership
from accounts.services import membership_join_by_email_domain
from audit.services import audit_record


@receiver(email_confirmed)
def join_agency_on_verified_email(sender, request, email_address, **kwargs) -> None:
    """A verified address on an agency's domain makes the user a learner of that agency."""
    membership_join_by_email_domain(
        user=email_address.user, email=email_address.email, request=request
    )


@receiver(user_logged_in)
def remember_agency_timezone(sender, request, user, **kwargs) -> None:
    """Dates on every page follow the time zone of the user's (first) agency."""
    if request is None or not hasattr(request, "session"):
        return
    name = (
        Agency.objects.filter(memberships__user=user)
        .order_by("memberships__joined_at")
        .values_list("timezone", flat=True)
        .first()
    )
    if name:
        request.session[SESSION_KEY] = name
    else:
        request.session.pop(SESSION_KEY, None)
    # Only decides which links the navigation shows; every page checks access afresh.
    request.session[NAV_SUPERVISOR_KEY] = Membership.objects.filter(
        user=user, role=Membership.Role.SUPERVISOR
    ).exists()
    request.session[NAV_AUTHOR_KEY] = user.is_author


# MFA changes happen in allauth's views and flows (third-party code: its signals are the only
# hook). Each is recorded in the audit log; allauth emails the owner itself
# (ACCOUNT_EMAIL_NOTIFICATIONS), and the staff reset (accounts.services.mfa_reset) records and
# emails its own.
_ADDED = {
    Authenticator.Type.TOTP: "mfa.activated",
    Authenticator.Type.WEBAUTHN: "mfa.webauthn_added",
    # Issued with a first authenticator.
    Authenticator.Type.RECOVERY_CODES: "mfa.recovery_codes_generated",
}
_REMOVED = {
    Authenticator.Type.TOTP: "mfa.deactivated",
    Authenticator.Type.WEBAUTHN: "mfa.webauthn_removed",
    # Removed with the last authenticator.
    Authenticator.Type.RECOVERY_CODES: "mfa.recovery_codes_removed",
}


def _audit_mfa(action: str, request, user, authenticator: Authenticator) -> None:
    details: dict[str, object] = {"type": authenticator.type}
    if authenticator.pk is not None:  # None once deleted
        details["authenticator_id"] = authenticator.pk
    if authenticator.type == Authenticator.Type.WEBAUTHN:
        wrapped = authenticator.wrap()
        details.update(name=wrapped.name, passkey=wrapped.is_passwordless)
    audit_record(action=action, actor=user, target=user, request=request, details=details)


@receiver(mfa_signals.authenticator_added)
def audit_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    _audit_mfa(_ADDED[authenticator.type], request, user, authenticator)


@receiver(mfa_signals.authenticator_removed)
def audit_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    _audit_mfa(_REMOVED[authenticator.type], request, user, authenticator)


@receiver(mfa_signals.authenticator_reset)
def audit_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    """New recovery codes replace the old ones (the only reset allauth has)."""
    _audit_mfa("mfa.recovery_codes_generated", request, user, authenticator)
