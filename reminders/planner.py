"""The planner: finds what is due and writes the outbox rows, idempotently and in batches.

Run as often as you like, from one beat or two: the unique outbox row, not the broker, decides
that a reminder exists once. Queries grow with the number of agencies and of 1,000-row batches,
never with a loop over learners.

A learner gets one reminder email a day at most (a day of the agency's calendar): the queries
leave out learners who already have one that day (``reminded_on``: a supervisor's nudge, or an
earlier round's row, still to go or sent), and when one round finds two reminders for the same
learner (two series, or overdue and quiet at once) it keeps the first and takes the others back
(``_one_a_day``), to be planned again on a later day (an overdue week and a quiet spell are).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Agency, Membership
from accounts.selectors import learner_here
from courses.models import Enrollment
from lms.batching import batched
from reminders.models import Reminder

BATCH = 1000
# Which of a learner's reminders found the same day is sent (one email a day): the first here.
FIRST: dict[str, int] = {
    kind: rank
    for rank, kind in enumerate(
        [
            Reminder.Kind.DUE_TODAY,
            Reminder.Kind.OVERDUE,
            Reminder.Kind.DUE_SOON,
            Reminder.Kind.INACTIVE,
            Reminder.Kind.NUDGE,
            Reminder.Kind.DIGEST,
        ]
    )
}


def agency_now(agency: Agency, now: datetime) -> datetime:
    return now.astimezone(zoneinfo.ZoneInfo(agency.timezone))


def reminded_on(agency: Agency, day: date) -> QuerySet[Reminder]:
    """The rows that use up a learner's one reminder email of ``day`` in the agency's calendar
    (``Reminder.objects.to_learner_since`` its midnight), from any agency."""
    midnight = datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(agency.timezone))
    return Reminder.objects.to_learner_since(midnight)


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
    # Learners already reminded today (nudged, or by an earlier round) wait for another day.
    fresh = base.exclude(
        Exists(reminded_on(agency, today).filter(recipient_id=OuterRef("user_id")))
    )
    if agency.assignment_reminders:
        yield from _assignment_rows(agency, fresh, today)
    quiet_since = now - timedelta(days=settings.LMS_REMINDER_INACTIVE_DAYS)
    inactive = (
        fresh.filter(started_at__isnull=False, last_activity_at__lte=quiet_since)
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
        started = timezone.now()  # the wall clock the rows' created_at is written with
        learners: set[int] = set()
        doubled: set[int] = set()
        for batch in batched(_rows(agency, local.date(), now), BATCH):
            # Same keys in the same order in every planner: two at once queue, never deadlock.
            # A learner's most pressing reminder first: it is the one a day's email keeps.
            batch.sort(key=lambda r: (r.recipient_id, FIRST[r.kind], r.enrollment_id or 0, r.step))
            with transaction.atomic():
                Reminder.objects.bulk_create(batch, ignore_conflicts=True)
            offered += len(batch)
            for row in batch:
                if row.enrollment_id is not None:
                    if row.recipient_id in learners:
                        doubled.add(row.recipient_id)
                    learners.add(row.recipient_id)
        if doubled:  # only then: learners offered two rows this round
            _one_a_day(agency, local.date(), started, sorted(doubled))
    return offered


def _one_a_day(agency: Agency, day: date, started: datetime, learners: list[int]) -> int:
    """Take back the rows this round wrote for ``learners`` (those it offered two rows) where
    the learner has an earlier row that day: each keeps the first (lowest id) of their day's
    rows. Only rows no worker can have seen: queued, never published nor claimed, written by
    this round. Returns how many.

    Per 1,000 learners, one read of their day's rows and one DELETE by primary key: linear
    whatever the planner's statistics say (a correlated EXISTS, planned while the outbox was
    still empty, read the whole outbox for every row: 20 s for the first round at 100,000)."""
    taken = 0
    for chunk in batched(iter(learners), BATCH):
        rows = (
            reminded_on(agency, day)
            .filter(recipient_id__in=chunk)
            .order_by("recipient_id", "pk")
            .values_list(
                "pk", "recipient_id", "agency_id", "kind", "status", "created_at",
                "published_at", "claimed_at",
            )
        )  # fmt: skip
        surplus, seen = [], set()
        for pk, learner, agency_id, kind, status, created, published, claimed in rows:
            if learner not in seen:
                seen.add(learner)  # their first row of the day: kept
            elif (
                agency_id == agency.pk
                and kind != Reminder.Kind.NUDGE
                and status == Reminder.Status.QUEUED
                and created >= started
                and published is None
                and claimed is None
            ):
                surplus.append(pk)
        if surplus:
            with transaction.atomic():
                taken += Reminder.objects.filter(
                    pk__in=surplus,
                    status=Reminder.Status.QUEUED,
                    published_at__isnull=True,
                    claimed_at__isnull=True,
                ).delete()[0]
    return taken


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
