"""The sign-in lockout: failed passwords in a row lock the account until staff unlock it or
the cool-off passes.

allauth counts nothing that lasts (its limits are a cache window that releases itself), so the
adapter (``accounts.adapters``) calls these services around every password check, the sign-in's
and the re-authentication's. Counting is per account (``SignInLock``), never per address: a whole
agency behind one proxy cannot be locked by one client. An email that matches no account is
counted and locked exactly as an account is, in the same queries, and no path hashes a password
the other skips: a locked real account and an unknown email get the same page, message, status
and time. The owner of a real account is emailed after commit, by a Celery task queued for both
kinds alike (it sends only for a real account).

Every step is recorded in the audit log: ``auth.login_failed`` (the attempted login as target,
never the password), ``auth.lockout``, ``auth.unlocked`` (by staff, by a password reset, or by
the cool-off, seen at the next attempt).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import SignInLock, User
from audit.models import Outcome
from audit.services import audit_record


def _cooloff() -> timedelta:
    return timedelta(minutes=settings.LMS_LOCKOUT_COOLOFF_MINUTES)


def normalize_login(login: str) -> str:
    return login.strip().lower()[:254]


def _account(login: str) -> User | None:
    """The account this login signs in to (any of its addresses, as allauth's sign-in finds
    it; ``login`` is already lower case, as allauth stores addresses), or None. One query, the
    same for a real and an unknown email (allauth's own lookup makes one more for the latter)."""
    return User.objects.filter(Q(emailaddress__email=login) | Q(email=login)).order_by("pk").first()


def _key(login: str, user: User | None) -> str:
    return f"user:{user.pk}" if user is not None else f"email:{login}"


def _row_for_update(key: str, *, user: User | None, login: str) -> SignInLock:
    """The account's row, locked for this transaction (created at its first failure)."""
    try:
        with transaction.atomic():
            SignInLock.objects.get_or_create(key=key, defaults={"user": user, "login": login})
    except IntegrityError:  # a concurrent first failure created it
        pass
    return SignInLock.objects.select_for_update().get(key=key)


def is_expired(lock: SignInLock, now: datetime) -> bool:
    """A lock the cool-off has released (or no lock at all)."""
    return lock.locked_at is None or lock.locked_at + _cooloff() <= now


def locked_accounts() -> models.QuerySet[SignInLock]:
    """The locks in force now (the cool-off not yet over)."""
    return SignInLock.objects.filter(locked_at__gt=timezone.now() - _cooloff())


@transaction.atomic
def signin_check(*, login: str, request: HttpRequest | None) -> bool:
    """Whether a password may be checked for ``login`` now. False while the account (or the
    unknown email) is locked: the attempt is recorded as refused, and no password is checked.

    A lock the cool-off has released is lifted here, at the next attempt, and recorded as
    ``auth.unlocked`` by the cool-off; the count starts again."""
    login = normalize_login(login)
    user = _account(login)
    now = timezone.now()
    lock = SignInLock.objects.select_for_update().filter(key=_key(login, user)).first()
    if lock is None or lock.locked_at is None:
        return True
    if is_expired(lock, now):
        _clear(lock)
        audit_record(
            action="auth.unlocked",
            actor=None,
            target=user if user is not None else login,
            request=request,
            details={"by": "cool-off", "locked_at": lock_time(lock)},
        )
        return True
    audit_record(
        action="auth.login_failed",
        actor=None,
        target=login,
        request=request,
        outcome=Outcome.REFUSED,
        details={"reason": "locked"},
    )
    return False


def lock_time(lock: SignInLock) -> str | None:
    return lock.locked_at.isoformat() if lock.locked_at else None


@transaction.atomic
def signin_failed(*, login: str, request: HttpRequest | None) -> None:
    """Count a wrong password for ``login``; at ``LMS_LOCKOUT_FAILURES`` in a row lock it.

    A failure more than the cool-off after the one before starts a new count. The lock is
    recorded (``auth.lockout``) and the owner's notice queued on commit, for an unknown email as
    for a real account (the task sends only to a real one), so both cost the same here."""
    login = normalize_login(login)
    user = _account(login)
    now = timezone.now()
    lock = _row_for_update(_key(login, user), user=user, login=login)
    if lock.last_failure_at is None or lock.last_failure_at + _cooloff() <= now:
        lock.failures = 0
    lock.failures += 1
    lock.last_failure_at = now
    lock.login = login
    locks_now = lock.locked_at is None and lock.failures >= settings.LMS_LOCKOUT_FAILURES
    if locks_now:
        lock.locked_at = now
        lock.notified_at = None
    lock.save()
    audit_record(
        action="auth.login_failed",
        actor=None,
        target=login,
        request=request,
        outcome=Outcome.FAILURE,
        details={"reason": "wrong password", "failures": lock.failures},
    )
    if locks_now:
        audit_record(
            action="auth.lockout",
            actor=None,
            target=user if user is not None else login,
            request=request,
            outcome=Outcome.REFUSED,
            details={
                "login": login,
                "failures": lock.failures,
                "cooloff_minutes": settings.LMS_LOCKOUT_COOLOFF_MINUTES,
            },
        )
        from accounts.tasks import send_lockout_notice

        send_lockout_notice.delay_on_commit(lock.pk)


def signin_succeeded(*, user: User) -> None:
    """A right password ends the run of failures (one indexed DELETE; nothing to do for the
    many who never failed)."""
    SignInLock.objects.filter(key=_key("", user), locked_at__isnull=True).delete()


def _clear(lock: SignInLock) -> None:
    lock.delete()


@transaction.atomic
def signin_unlock(
    *, user: User, by: str, actor: User | None = None, request: HttpRequest | None = None
) -> bool:
    """Lift the lock on ``user``'s account and forget its failures (``by``: "staff", "password
    reset"). Returns whether it was locked; only a lift of a lock in force is recorded."""
    lock = SignInLock.objects.select_for_update().filter(key=_key("", user)).first()
    if lock is None:
        return False
    was_locked = not is_expired(lock, timezone.now())
    _clear(lock)
    if was_locked:
        audit_record(
            action="auth.unlocked",
            actor=actor,
            target=user,
            request=request,
            details={"by": by, "locked_at": lock_time(lock)},
        )
    return was_locked


def signin_locks_prune(*, now: datetime | None = None) -> int:
    """Forget failure counts and locks the cool-off has made moot (rows for made-up emails
    would otherwise pile up). Returns how many rows were deleted."""
    cutoff = (now or timezone.now()) - _cooloff()
    with transaction.atomic():
        stale = SignInLock.objects.select_for_update(of=("self",)).filter(
            last_failure_at__lte=cutoff
        )
        stale = stale.exclude(locked_at__gt=cutoff)
        for lock in stale.filter(locked_at__isnull=False).select_related("user"):
            audit_record(
                action="auth.unlocked",
                actor=None,
                target=lock.user if lock.user is not None else lock.login,
                details={"by": "cool-off", "locked_at": lock_time(lock)},
            )
        deleted, _ = stale.delete()
    return deleted
