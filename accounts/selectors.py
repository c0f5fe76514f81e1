"""Membership reads that several apps build their scoping on, written once."""

import zoneinfo
from collections.abc import Iterable

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Agency, Membership, User


def supervision_of(*, user: User, agency: Agency) -> QuerySet[Membership]:
    """The user's supervisor membership of the agency (empty unless they supervise it)."""
    return Membership.objects.filter(user=user, agency=agency, role=Membership.Role.SUPERVISOR)


def learner_zones(user_ids: Iterable[int]) -> dict[int, zoneinfo.ZoneInfo]:
    """Each user's time zone as a learner: that of the first agency (by name) they learn in,
    else the site's. Completion dates and a learner's own "today" are counted in it. One query."""
    ids = list(user_ids)
    zones: dict[int, zoneinfo.ZoneInfo] = {}
    for user_id, name in (
        Membership.objects.filter(user_id__in=ids, role=Membership.Role.LEARNER)
        .order_by("user_id", "agency__name")
        .values_list("user_id", "agency__timezone")
    ):
        zones.setdefault(user_id, zoneinfo.ZoneInfo(name))
    site = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return {user_id: zones.get(user_id, site) for user_id in ids}


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
