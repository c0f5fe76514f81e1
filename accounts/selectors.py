"""Membership reads that several apps build their scoping on, written once."""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Agency, Membership, User


def supervision_of(*, user: User, agency: Agency) -> QuerySet[Membership]:
    """The user's supervisor membership of the agency (empty unless they supervise it)."""
    return Membership.objects.filter(user=user, agency=agency, role=Membership.Role.SUPERVISOR)


def learner_here(agency: Agency) -> Exists:
    """For a query over rows with a ``user_id``: the user is a learner of ``agency``."""
    return Exists(
        Membership.objects.filter(
            user_id=OuterRef("user_id"), agency=agency, role=Membership.Role.LEARNER
        )
    )


def has_mfa(user: User) -> bool:
    """The user signs in with a second factor (an authenticator app or a security key)."""
    return is_mfa_enabled(user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN])
