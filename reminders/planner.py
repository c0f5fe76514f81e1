"""The planner: finds what is due and writes the outbox rows, idempotently and in batches.

Run as often as you like, from one beat or two: the unique outbox row, not the broker, decides
that a reminder exists once. Queries grow with the number of agencies and of 1,000-row batches,
never with a loop over learners.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Agency, Membership
from accounts.selectors import learner_here
from courses.models import Enrollment
from lms.batching import batched
from reminders.models import Reminder

BATCH = 1000


def agency_now(agency: Agency, now: datetime) -> datetime:
    return now.astimezone(zoneinfo.ZoneInfo(agency.timezone))


def _open_assigned(agency: Agency) -> QuerySet[Enrollment]:
    """Unfinished, current enrollments of the agency's active learners under a live (not
    cancelled) assignment of the agency's own: a learner who belongs to two agencies hears of
    each one's assignments through that agency only, and no longer once they leave it."""
    return Enrollment.objects.filter(
        learner_here(agency),
        is_current=True,
        completed_at__isnull=True,
        assignment__agency=agency,
        assignment__cancelled_at__isnull=True,
        due_on__isnull=False,
        user__is_active=True,
    ).order_by()  # read in whatever order the database finds cheapest


def _assignment_rows(agency: Agency, base: QuerySet[Enrollment], today: date) -> Iterator[Reminder]:
    """Due in 7 and 1 days, due today, overdue week by week: the agency's policy decides."""
    kind = Reminder.Kind
    fields = ("pk", "user_id", "cycle", "due_on")
    for days in settings.LMS_REMINDER_DUE_SOON_DAYS:
        due_soon = base.filter(due_on=today + timedelta(days=days)).values_list(*fields)
        for pk, user_id, cycle, _due in due_soon.iterator(chunk_size=BATCH):
            yield Reminder(
                recipient_id=user_id, enrollment_id=pk, agency=agency, kind=kind.DUE_SOON,
                step=days, cycle=cycle,
            )  # fmt: skip
    for pk, user_id, cycle, _due in (
        base.filter(due_on=today).values_list(*fields).iterator(chunk_size=BATCH)
    ):
        yield Reminder(
            recipient_id=user_id, enrollment_id=pk, agency=agency, kind=kind.DUE_TODAY, step=0,
            cycle=cycle,
        )  # fmt: skip
    every = settings.LMS_REMINDER_OVERDUE_EVERY_DAYS
    for pk, user_id, cycle, due_on in (
        base.filter(due_on__lt=today).values_list(*fields).iterator(chunk_size=BATCH)
    ):
        # Week k of being overdue starts on the day after the due date plus k-1 weeks.
        step = min(settings.LMS_REMINDER_OVERDUE_MAX, ((today - due_on).days - 1) // every + 1)
        yield Reminder(
            recipient_id=user_id, enrollment_id=pk, agency=agency, kind=kind.OVERDUE, step=step,
            cycle=cycle,
        )  # fmt: skip


def _rows(agency: Agency, today: date, now: datetime) -> Iterator[Reminder]:
    kind = Reminder.Kind
    base = _open_assigned(agency)
    if agency.assignment_reminders:
        yield from _assignment_rows(agency, base, today)
    quiet_since = now - timedelta(days=settings.LMS_REMINDER_INACTIVE_DAYS)
    inactive = (
        base.filter(started_at__isnull=False, last_activity_at__lte=quiet_since)
        .exclude(user__email_preference__inactive_nudges=False)
        .values_list("pk", "user_id", "cycle", "last_activity_at")
    )
    for pk, user_id, cycle, last in inactive.iterator(chunk_size=BATCH):
        assert last is not None  # the query filters on it
        # One nudge per quiet spell: the step is the day the learner went quiet.
        yield Reminder(
            recipient_id=user_id, enrollment_id=pk, agency=agency, kind=kind.INACTIVE,
            step=last.date().toordinal(), cycle=cycle,
        )  # fmt: skip
    if today.weekday() == 0 and base.filter(due_on__lt=today).exists():
        year, week, _ = today.isocalendar()
        supervisors = (
            Membership.objects.filter(
                agency=agency, role=Membership.Role.SUPERVISOR, user__is_active=True
            )
            .exclude(user__email_preference__weekly_digest=False)
            .values_list("user_id", flat=True)
        )
        for user_id in supervisors:
            yield Reminder(
                recipient_id=user_id, agency=agency, kind=kind.DIGEST, step=year * 100 + week
            )


def plan(*, now: datetime | None = None, ignore_window: bool = False) -> int:
    """Write the outbox rows that are due now. Returns how many rows the batches offered
    (rows that already existed are dropped by the unique constraints)."""
    now = now or timezone.now()
    offered = 0
    for agency in Agency.objects.order_by("pk"):
        local = agency_now(agency, now)
        if not ignore_window and local.hour < settings.LMS_REMINDER_SEND_HOUR:
            continue
        for batch in batched(_rows(agency, local.date(), now), BATCH):
            # Same keys in the same order in every planner: two at once queue, never deadlock.
            batch.sort(key=lambda r: (r.recipient_id, r.enrollment_id or 0, r.kind, r.step))
            with transaction.atomic():
                Reminder.objects.bulk_create(batch, ignore_conflicts=True)
            offered += len(batch)
    return offered


def due_ids(*, now: datetime | None = None) -> list[int]:
    """Queued rows whose time has come (new, or a retry whose back-off has passed)."""
    now = now or timezone.now()
    return list(
        Reminder.objects.filter(status=Reminder.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def unpublished_ids(*, window: timedelta, now: datetime | None = None) -> list[int]:
    """The due rows (``due_ids``) that no task in the broker still carries: never published
    (new, a retry, re-queued by ``sweep``, or the broker could not take the task) or published
    longer than ``window`` ago, the broker's visibility timeout, after which a task it lost or
    that waits behind a long queue is handed over again (a task delivered twice sends once:
    the claim decides)."""
    now = now or timezone.now()
    return list(
        Reminder.objects.filter(status=Reminder.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(published_at__isnull=True) | Q(published_at__lte=now - window))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def sweep(*, now: datetime | None = None) -> int:
    """Put back rows left “sending” by a worker that died mid-send. Returns how many."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.LMS_REMINDER_SENDING_TIMEOUT_SECONDS)
    return Reminder.objects.filter(status=Reminder.Status.SENDING, claimed_at__lt=stale).update(
        status=Reminder.Status.QUEUED, next_attempt_at=None, published_at=None
    )
