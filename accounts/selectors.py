"""Membership reads that several apps build their scoping on, written once."""

import zoneinfo
from collections.abc import Iterable
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import Agency, Membership, MfaEnrollmentCode, User


def supervision_of(*, user: User, agency: Agency) -> QuerySet[Membership]:
    """The user's supervisor membership of the agency (empty unless they supervise it)."""
    return Membership.objects.filter(user=user, agency=agency, role=Membership.Role.SUPERVISOR)


def supervises_any(user: User) -> bool:
    """The user supervises at least one agency."""
    return Membership.objects.filter(user=user, role=Membership.Role.SUPERVISOR).exists()


def email_language(*, email: str, user: object = None) -> str:
    """The language an email to this address is written in: the preferred language of the
    user it is for (``user``, else the account holding the address), else the language of the
    request that sends it (a signed-out visitor's browser: sign-up, password reset of an
    unknown address)."""
    if not isinstance(user, User):
        user = (
            User.objects.filter(Q(email__iexact=email) | Q(emailaddress__email__iexact=email))
            .order_by("pk")
            .first()
        )
    language = user.preferred_language if user is not None else ""
    if language in dict(settings.LANGUAGES):
        return language
    return translation.get_language() or settings.LANGUAGE_CODE


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


def mfa_required_by_role(user: User) -> bool:
    """The user's role is one that must use MFA when the site requires it: staff (Django admin
    holds every record), authors (the studio changes what every learner sees) and supervisors
    of any agency (their pages hold learners' records). Learners may choose it."""
    if user.is_staff or user.is_superuser or user.is_author:
        return True
    return supervises_any(user)


def mfa_enrollment_needs_email_code(user: User) -> bool:
    """Adding a first authenticator needs a code sent to the user's verified email as well as
    the password: the site requires MFA, the user's role must use it, and they have none yet
    (with one, changes go through allauth's reauthentication in a session that used it)."""
    return settings.LMS_REQUIRE_MFA and not has_mfa(user) and mfa_required_by_role(user)


def agency_join_domains(agency: Agency) -> list[str]:
    """The verified email domains by which new users join ``agency`` (what its empty pages
    tell a supervisor)."""
    return list(agency.domains.filter(verified=True).values_list("domain", flat=True))


def belongs_to_an_agency(user: User) -> bool:
    """Whether the user is a member (learner or supervisor) of any agency."""
    return Membership.objects.filter(user=user).exists()


def verified_primary_email(user: User) -> str | None:
    """The address the user signs in with, if it is verified (codes and notices go there)."""
    return (
        EmailAddress.objects.filter(user=user, primary=True, verified=True)
        .values_list("email", flat=True)
        .first()
    )


def mfa_reset_allowed(*, by: User, user: User) -> bool:
    """Who may reset another user's MFA: active staff with the ``accounts.reset_mfa``
    permission (superusers have it), never their own, and only a superuser a superuser's."""
    return (
        by.is_active
        and by.is_staff
        and by.has_perm("accounts.reset_mfa")
        and by.pk != user.pk
        and (by.is_superuser or not user.is_superuser)
    )


def mfa_enrollment_confirmed(*, user: User, binding: str | None) -> bool:
    """The session holding ``binding`` entered a right code for the user within the last
    ``LMS_MFA_ENROLL_CODE_MINUTES``: it may add a first authenticator."""
    if not binding:
        return False
    since = timezone.now() - timedelta(minutes=settings.LMS_MFA_ENROLL_CODE_MINUTES)
    return MfaEnrollmentCode.objects.filter(
        user=user, session_binding=MfaEnrollmentCode.binding_hash(binding), used_at__gte=since
    ).exists()


def mfa_enrollment_code_live(*, user: User, binding: str | None) -> MfaEnrollmentCode | None:
    """The user's code for this session that can still be entered (unused, in time, with tries
    left), if any."""
    if not binding:
        return None
    return (
        MfaEnrollmentCode.objects.filter(
            user=user,
            session_binding=MfaEnrollmentCode.binding_hash(binding),
            used_at=None,
            expires_at__gt=timezone.now(),
            attempts__lt=settings.LMS_MFA_ENROLL_CODE_ATTEMPTS,
        )
        .order_by("-created_at")
        .first()
    )


# --- The private calendar feed -------------------------------------------------------------

_CALENDAR_SALT = "accounts.calendar-feed"


def _calendar_mac(*, user_id: int, key: str) -> str:
    return salted_hmac(_CALENDAR_SALT, f"{user_id}:{key}", algorithm="sha256").hexdigest()


def calendar_token(user: User) -> str | None:
    """The token of the user's calendar feed link, or None when they have none. It is made from
    the user's random key and the site's secret: the database alone does not give it, and a new
    key (``accounts.services.calendar_link_reset``) ends the old link."""
    if not user.calendar_key:
        return None
    return f"{user.pk}-{_calendar_mac(user_id=user.pk, key=user.calendar_key)}"


def user_for_calendar_token(token: str) -> User | None:
    """The active user whose current calendar link carries ``token``; None for an unknown,
    malformed, reset or stopped one. One query."""
    user_id, _, mac = token.partition("-")
    # One spelling per link: digits only, no leading zero (``int`` would read "03" as 3 too).
    if not (user_id.isdigit() and len(user_id) <= 18 and user_id[0] != "0" and len(mac) == 64):
        return None
    user = User.objects.filter(pk=int(user_id), is_active=True).exclude(calendar_key="").first()
    if user is None or not constant_time_compare(
        mac, _calendar_mac(user_id=user.pk, key=user.calendar_key)
    ):
        return None
    return user
