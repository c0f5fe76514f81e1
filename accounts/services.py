"""Writes for users, agencies and memberships, and for their two-factor authentication."""

import enum
import secrets
from datetime import timedelta
from importlib import import_module
from typing import Any, NamedTuple

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_noop

from accounts.models import Agency, AgencyDomain, Membership, MfaEnrollmentCode, User
from accounts.notices import account_email_send
from accounts.selectors import mfa_reset_allowed, verified_primary_email
from audit.models import Outcome
from audit.services import audit_record


@transaction.atomic
def membership_join_by_email_domain(
    *, user: User, email: str, request: HttpRequest | None = None
) -> Membership | None:
    """Add ``user`` as a learner to the agency that owns the verified domain of ``email``.

    Returns the membership (new or existing), or None when no agency owns the domain. Never
    changes an existing membership's role. A learner removed from the agency earlier joins
    again this way, as a newcomer.
    """
    domain = email.rsplit("@", 1)[-1].strip().lower()
    agency_domain = (
        AgencyDomain.objects.select_related("agency").filter(domain=domain, verified=True).first()
    )
    if agency_domain is None:
        return None
    return membership_ensure(
        user=user, agency=agency_domain.agency, by=user, request=request, via="email domain"
    )


@transaction.atomic
def membership_ensure(
    *,
    user: User,
    agency: Agency,
    role: str = Membership.Role.LEARNER,
    by: User | None = None,
    request: HttpRequest | None = None,
    via: str = "",
) -> Membership:
    """Return the user's membership of the agency, creating it with ``role`` if absent.

    A learner who joins is given what the agency requires of its learners at once, in the
    same transaction (``learner_joined``). Never changes an existing membership's role. A new
    membership is audited (``membership.added``, by ``by``; nobody: the system, as the seed).
    """
    try:
        with transaction.atomic():
            membership, created = Membership.objects.get_or_create(
                user=user, agency=agency, defaults={"role": role}
            )
    except IntegrityError:  # a concurrent request created it first
        return Membership.objects.get(user=user, agency=agency)
    if created:
        _membership_audit(
            "membership.added", membership, by=by, request=request, details={"via": via}
        )
    if created and membership.role == Membership.Role.LEARNER:
        learner_joined(membership=membership)
    return membership


def learner_joined(*, membership: Membership) -> None:
    """Call what follows a learner joining an agency: each function named in
    ``settings.LMS_LEARNER_JOINED``, with ``user`` and ``agency``, in the caller's transaction.

    Today that is ``courses.assignments.assignments_apply_to_new_learner``: the agency's live
    whole-agency assignments reach the newcomer. A setting names it, not an import, because
    ``accounts`` sits below ``courses`` and may not import it (accounts ← courses); the call is
    still made here, where the membership is created, not by a signal a reader cannot see.
    Django admin calls this too when it adds a learner to an agency.
    """
    for path in settings.LMS_LEARNER_JOINED:
        import_string(path)(user=membership.user, agency=membership.agency)


@transaction.atomic
def profile_update(
    *,
    user: User,
    full_name: str,
    certificate_name: str = "",
    officer_id: str = "",
    preferred_language: str = "",
) -> User:
    """Save what the user says about themselves. Certificates already issued are never
    touched: each keeps the name it was issued with (``Certificate.learner_name``); the new
    name appears on the certificates issued from now on."""
    user.full_name = full_name
    user.certificate_name = certificate_name
    user.officer_id = officer_id
    user.preferred_language = preferred_language
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=["full_name", "certificate_name", "officer_id", "preferred_language"])
    return user


# --- The private calendar feed -------------------------------------------------------------


@transaction.atomic
def calendar_link_reset(*, user: User, request: HttpRequest | None = None) -> User:
    """Give the user a new calendar feed link (``accounts.selectors.calendar_token``): a new
    random key, so the link made before, wherever it was copied, answers 404 from now on."""
    user.calendar_key = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_key"])
    audit_record(action="calendar.link_reset", actor=user, target=user, request=request)
    return user


@transaction.atomic
def calendar_link_stop(*, user: User, request: HttpRequest | None = None) -> User:
    """End the user's calendar feed link without making a new one."""
    user.calendar_key = ""
    user.save(update_fields=["calendar_key"])
    audit_record(action="calendar.link_stopped", actor=user, target=user, request=request)
    return user


def user_language_set(*, user: User, language: str) -> User:
    """Remember the language the user chose with the switcher (one of ``settings.LANGUAGES``;
    anything else is refused with a ``ValueError`` and nothing is saved)."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"not a language of the site: {language!r}")
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    return user


# --- Two-factor authentication -------------------------------------------------------------

MFA_CODE_DIGITS = 8


def _code_hash(*, user: User, binding_hash: str, code: str) -> str:
    # Keyed by SECRET_KEY: the stored value cannot be reversed by trying the 10^8 codes.
    value = f"{user.pk}:{binding_hash}:{code}"
    return salted_hmac("accounts.MfaEnrollmentCode", value, algorithm="sha256").hexdigest()


def normalize_mfa_code(code: str) -> str:
    """The digits of a code as typed: spaces and dashes (as in the email) are ignored."""
    return "".join(ch for ch in code if ch.isdigit())


@transaction.atomic
def mfa_enrollment_code_send(
    *, user: User, binding: str, request: HttpRequest | None = None
) -> MfaEnrollmentCode | None:
    """Email the user a new one-time code for adding their first authenticator, tied to the
    session that holds ``binding`` (a random token the view keeps in the session).

    The code goes to the verified primary address (the caller checks there is one); any
    earlier code of the user stops working. At most ``LMS_MFA_ENROLL_CODES_PER_HOUR`` codes are
    sent per user an hour: past that, nothing is sent, the refusal is recorded and None is
    returned. The email leaves after commit; the audit log records ``mfa.enrol_code_sent``."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # one sender at a time
    now = timezone.now()
    email = verified_primary_email(user)
    if email is None:
        raise ValueError("The user has no verified primary email address.")
    sent_lately = MfaEnrollmentCode.objects.filter(
        user=user, created_at__gt=now - timedelta(hours=1)
    ).count()
    if sent_lately >= settings.LMS_MFA_ENROLL_CODES_PER_HOUR:
        audit_record(
            action="mfa.enrol_code_sent",
            actor=user,
            target=user,
            request=request,
            outcome=Outcome.REFUSED,
            details={"reason": "too many codes this hour", "sent_last_hour": sent_lately},
        )
        return None
    MfaEnrollmentCode.objects.filter(user=user, used_at=None, expires_at__gt=now).update(
        expires_at=now
    )
    code = f"{secrets.randbelow(10**MFA_CODE_DIGITS):0{MFA_CODE_DIGITS}d}"
    binding_hash = MfaEnrollmentCode.binding_hash(binding)
    minutes = settings.LMS_MFA_ENROLL_CODE_MINUTES
    row = MfaEnrollmentCode.objects.create(
        user=user,
        email=email,
        session_binding=binding_hash,
        code_hash=_code_hash(user=user, binding_hash=binding_hash, code=code),
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    audit_record(
        action="mfa.enrol_code_sent",
        actor=user,
        target=user,
        request=request,
        details={"email": email, "code_id": row.pk, "minutes": minutes},
    )
    shown = f"{code[:4]} {code[4:]}"
    transaction.on_commit(
        lambda: account_email_send(
            to=email,
            template="mfa_enrollment_code",
            context={"user": user, "code": shown, "minutes": minutes},
        )
    )
    return row


class CodeCheck(enum.Enum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"  # tries remain
    SPENT = "spent"  # no live code for this session: expired, used, out of tries, or none


class CodeCheckResult(NamedTuple):
    outcome: CodeCheck
    attempts_left: int = 0


@transaction.atomic
def mfa_enrollment_code_check(
    *, user: User, binding: str, code: str, request: HttpRequest | None = None
) -> CodeCheckResult:
    """Check a code typed in the session that holds ``binding``: the user's latest live code
    for that session, within its minutes and tries. A right code is used up at once (it never
    works twice); a wrong one costs a try. Each outcome is recorded in the audit log
    (``mfa.enrol_code_confirmed`` or ``mfa.enrol_code_failed``)."""
    now = timezone.now()
    binding_hash = MfaEnrollmentCode.binding_hash(binding)
    row = (
        MfaEnrollmentCode.objects.select_for_update()
        .filter(
            user=user,
            session_binding=binding_hash,
            used_at=None,
            expires_at__gt=now,
            attempts__lt=settings.LMS_MFA_ENROLL_CODE_ATTEMPTS,
        )
        .order_by("-created_at")
        .first()
    )
    if row is None:
        audit_record(
            action="mfa.enrol_code_failed",
            actor=user,
            target=user,
            request=request,
            outcome=Outcome.FAILURE,
            details={"reason": "no live code for this session"},
        )
        return CodeCheckResult(CodeCheck.SPENT)
    typed = normalize_mfa_code(code)
    expected = _code_hash(user=user, binding_hash=binding_hash, code=typed)
    if len(typed) == MFA_CODE_DIGITS and constant_time_compare(row.code_hash, expected):
        row.used_at = now
        row.save(update_fields=["used_at"])
        audit_record(
            action="mfa.enrol_code_confirmed",
            actor=user,
            target=user,
            request=request,
            details={"code_id": row.pk},
        )
        return CodeCheckResult(CodeCheck.CONFIRMED)
    row.attempts += 1
    row.save(update_fields=["attempts"])
    left = settings.LMS_MFA_ENROLL_CODE_ATTEMPTS - row.attempts
    audit_record(
        action="mfa.enrol_code_failed",
        actor=user,
        target=user,
        request=request,
        outcome=Outcome.FAILURE,
        details={"reason": "wrong code", "code_id": row.pk, "attempts_left": left},
    )
    return CodeCheckResult(CodeCheck.WRONG if left else CodeCheck.SPENT, left)


# --------------------------------------------------------------------------- leaving, access


class MembershipRefused(Exception):
    """The membership was not changed; the message says why, for the person asking."""


class AccountRefused(Exception):
    """The account was not changed; the message says why, for the person asking."""


def _membership_audit(
    action: str,
    membership: Membership,
    *,
    by: User | None,
    request: HttpRequest | None,
    outcome: str = Outcome.SUCCESS,
    details: dict[str, Any] | None = None,
) -> None:
    """One audit record about a membership: the member is the target, the agency and role are
    named by id and slug (the membership row itself may be gone)."""
    audit_record(
        action=action,
        actor=by,
        target=membership.user,
        request=request,
        outcome=outcome,
        details={
            "agency_id": membership.agency_id,
            "agency": membership.agency.slug,
            "role": membership.role,
            **{key: value for key, value in (details or {}).items() if value not in ("", None)},
        },
    )


def _follow_ups(paths: list[str], **kwargs: Any) -> dict[str, int]:
    """Call each function named in a setting (apps above ``accounts``, which it may not
    import), in the caller's transaction; their counts go into the audit record."""
    counts: dict[str, int] = {}
    for path in paths:
        result = import_string(path)(**kwargs)
        if isinstance(result, dict):
            counts.update(result)
    return counts


def member_left(*, membership: Membership) -> dict[str, int]:
    """Call what follows a member leaving an agency: each function named in
    ``settings.LMS_MEMBER_LEFT``, with ``user`` and ``agency``. Today: the agency's assignments
    let the learner go (``courses.assignments.assignments_release_learner``) and the queued
    reminders from the agency are cancelled (``reminders.services``)."""
    return _follow_ups(settings.LMS_MEMBER_LEFT, user=membership.user, agency=membership.agency)


def _removal_refused(membership: Membership, by: User) -> str:
    if by.is_staff:
        return ""
    if not Membership.objects.filter(
        user=by, agency_id=membership.agency_id, role=Membership.Role.SUPERVISOR
    ).exists():
        return gettext_noop("Only the agency's supervisors can remove its learners.")
    if membership.user_id == by.pk:
        return gettext_noop("You cannot remove yourself from the agency; ask an administrator.")
    if membership.role != Membership.Role.LEARNER:
        return gettext_noop(
            "Supervisors are removed by an administrator, not from the agency pages."
        )
    return ""


def membership_remove(
    *, membership: Membership, by: User, request: HttpRequest | None = None
) -> dict[str, int]:
    """End a user's place in an agency: the agency's supervisors remove its learners (never a
    supervisor, never themselves); staff remove anyone (Django admin).

    The records stay: enrollments, progress, completions and certificates are the learner's
    own. What the agency gave ends: its assignments let the learner go (unfinished enrollments
    stay open but are no longer due; no refresher opens from the agency), its queued reminders
    to them are cancelled, and its supervisors no longer see them anywhere (every supervisor
    read is scoped by membership). Audited as ``membership.removed`` with what it did; a
    refusal is audited too and raises ``MembershipRefused``. A learner who joins again (a
    verified email on the agency's domain, or staff) starts as a newcomer. Returns the counts.
    """
    why = _removal_refused(membership, by)
    if why:
        _membership_audit(
            "membership.removed",
            membership,
            by=by,
            request=request,
            outcome=Outcome.REFUSED,
            details={"reason": why},
        )
        raise MembershipRefused(gettext(why))
    with transaction.atomic():
        # Locked, so two removals at once remove (and record) once.
        current = (
            Membership.objects.select_for_update()
            .select_related("user", "agency")
            .filter(pk=membership.pk)
            .first()
        )
        if current is None:
            return {}
        joined_at = current.joined_at
        current.delete()
        counts = member_left(membership=current)
        _membership_audit(
            "membership.removed",
            current,
            by=by,
            request=request,
            details={"joined_at": joined_at.isoformat(), **counts},
        )
    return counts


@transaction.atomic
def membership_role_set(
    *, membership: Membership, role: str, by: User, request: HttpRequest | None = None
) -> Membership:
    """Change a member's role in an agency (staff, in Django admin). A member who becomes a
    learner receives what the agency requires of its learners (``learner_joined``); one who
    stops being a learner is let go by the agency's assignments and reminders as a learner
    who leaves (``member_left``). Audited as ``membership.role_changed``."""
    if not by.is_staff:
        raise MembershipRefused(gettext("Only an administrator can change a member's role."))
    if role not in Membership.Role.values:
        raise MembershipRefused(gettext("Unknown role."))
    current = Membership.objects.select_for_update().select_related("user", "agency")
    membership = current.get(pk=membership.pk)
    before = membership.role
    if before == role:
        return membership
    counts: dict[str, int] = {}
    if before == Membership.Role.LEARNER:
        counts = member_left(membership=membership)
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    if role == Membership.Role.LEARNER:
        learner_joined(membership=membership)
    _membership_audit(
        "membership.role_changed",
        membership,
        by=by,
        request=request,
        details={"previous": before, **counts},
    )
    return membership


def sessions_end(*, user: User) -> int:
    """Delete every unexpired session signed in as ``user``, so they are signed out at once
    (Django would also refuse an inactive user's session, but reactivation would bring a kept
    one back). Sessions are found by reading each stored session (the session table has no
    user column): a rare staff action, about a second per 100,000 sessions. Sessions kept
    elsewhere than the database (the cache or signed-cookie engines) cannot be listed and are
    left to Django's own check. Returns how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store, DatabaseSessionStore):
        return 0
    user_id = str(user.pk)
    decode = store().decode
    keys = [
        key
        for key, data in store.get_model_class()
        .objects.filter(expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
        .iterator(chunk_size=2000)
        if str(decode(data).get(SESSION_KEY)) == user_id
    ]
    for key in keys:
        store(session_key=key).delete()
    return len(keys)


def _access_refused(user: User, by: User, *, action: str, request: HttpRequest | None) -> None:
    why = ""
    if not by.is_staff:
        why = gettext_noop("Only an administrator can change whether an account is active.")
    elif user.pk == by.pk:
        why = gettext_noop("You cannot deactivate or reactivate your own account.")
    if why:
        audit_record(
            action=action,
            actor=by,
            target=user,
            request=request,
            outcome=Outcome.REFUSED,
            details={"reason": why},
        )
        raise AccountRefused(gettext(why))


def user_deactivate(
    *, user: User, by: User, reason: str, request: HttpRequest | None = None
) -> User:
    """Deactivate an account (staff): the user can no longer sign in, their sessions end at
    once, and they receive no more reminders (queued ones are cancelled, ``LMS_USER_DEACTIVATED``;
    the planner and the sender skip inactive accounts). Their records and memberships stay, so
    ``user_reactivate`` gives everything back. Refused for one's own account and for anyone but
    staff (audited, ``AccountRefused``); a reason is required. Deactivating an inactive account
    changes nothing. Audited as ``user.deactivated``."""
    reason = reason.strip()
    if not reason:
        raise AccountRefused(gettext("Give the reason for deactivating the account."))
    _access_refused(user, by, action="user.deactivated", request=request)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active:
            return user
        user.is_active = False
        user.save(update_fields=["is_active"])
        counts = _follow_ups(settings.LMS_USER_DEACTIVATED, user=user)
        counts["sessions_ended"] = sessions_end(user=user)
        audit_record(
            action="user.deactivated",
            actor=by,
            target=user,
            request=request,
            details={"reason": reason[:500], **counts},
        )
    return user


def user_reactivate(*, user: User, by: User, request: HttpRequest | None = None) -> User:
    """Let a deactivated account sign in again (staff). Its memberships never ended, so its
    agencies' pages and reminders resume with it. Audited as ``user.reactivated``."""
    _access_refused(user, by, action="user.reactivated", request=request)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active:
            return user
        user.is_active = True
        user.save(update_fields=["is_active"])
        audit_record(action="user.reactivated", actor=by, target=user, request=request)
    return user


@transaction.atomic
def mfa_reset(*, user: User, by: User, request: HttpRequest | None = None) -> list[str]:
    """Staff reset a user's MFA (a lost phone or key): every authenticator of the user is
    deleted (app, security keys, recovery codes), every session of theirs ends, the owner is
    emailed after commit and ``mfa.reset`` is recorded with ``by`` as the actor. At the next
    sign-in the user has only their password, and, if their role must use MFA, sets it up again
    through the emailed code. Refused (PermissionDenied) unless ``mfa_reset_allowed``. Returns
    the kinds of authenticator removed."""
    if not mfa_reset_allowed(by=by, user=user):
        raise PermissionDenied(gettext("Only staff allowed to reset MFA may reset another user's."))
    authenticators = Authenticator.objects.filter(user=user)
    removed = sorted(authenticators.values_list("type", flat=True))
    authenticators.delete()
    ended = sessions_end(user=user)
    audit_record(
        action="mfa.reset",
        actor=by,
        target=user,
        request=request,
        details={"removed": removed, "sessions_ended": ended},
    )
    email = verified_primary_email(user) or user.email
    transaction.on_commit(
        lambda: account_email_send(
            to=email,
            template="mfa_reset",
            context={"user": user, "at": timezone.now(), "by_staff": True},
        )
    )
    return removed
