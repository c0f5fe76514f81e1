"""Writes of supervisor actions: nudges (rows of the reminder outbox) and the export audit log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Agency, User
from courses.models import Enrollment
from lms.batching import batched
from reminders.models import Reminder
from reminders.tasks import enqueue
from supervision.models import ExportLog

NUDGE_BATCH = 1000  # learners per round of queries


class NudgeRefused(Exception):
    """The nudge was not sent; the message says why, for the supervisor."""


def nudge_step(day: date) -> int:
    """A nudge's step in the outbox: its day in the agency's calendar, as yyyymmdd."""
    return day.year * 10000 + day.month * 100 + day.day


def _nudge(*, supervisor: User, agency: Agency, enrollment: Enrollment, step: int) -> Reminder:
    return Reminder(
        recipient_id=enrollment.user_id,
        enrollment=enrollment,
        agency=agency,
        kind=Reminder.Kind.NUDGE,
        step=step,
        cycle=enrollment.cycle,
        sent_by=supervisor,
    )


@transaction.atomic
def nudge_send(*, supervisor: User, agency: Agency, enrollment: Enrollment) -> Reminder:
    """Put a reminder to the enrollment's learner in the reminder outbox; at most one per
    learner per day (agency time), enforced by a unique constraint. Sent after commit by the
    reminder workers, with their retries and records."""
    if enrollment.completed_at is not None:
        raise NudgeRefused("This learner has already completed the series.")
    step = nudge_step(agency.today())
    try:
        with transaction.atomic():
            reminder = _nudge(
                supervisor=supervisor, agency=agency, enrollment=enrollment, step=step
            )
            reminder.save()
    except IntegrityError as exc:
        raise NudgeRefused("This learner was already reminded today.") from exc
    enqueue([reminder.pk])
    return reminder


@transaction.atomic
def nudge_many(
    *, supervisor: User, agency: Agency, enrollments: Iterable[Enrollment]
) -> tuple[int, int]:
    """Queue reminders for many learners: a fixed number of queries per 1,000 learners.

    Learners already reminded today, and completed enrollments, are skipped.
    Returns (queued, skipped).
    """
    step = nudge_step(agency.today())
    queued = skipped = 0
    for chunk in batched(enrollments, NUDGE_BATCH):
        candidates: dict[int, Enrollment] = {}
        for enrollment in chunk:
            if enrollment.completed_at is None:
                candidates.setdefault(enrollment.user_id, enrollment)
        today = Reminder.objects.filter(kind=Reminder.Kind.NUDGE, step=step)
        already = set(
            today.filter(recipient_id__in=candidates).values_list("recipient_id", flat=True)
        )
        fresh = [user_id for user_id in candidates if user_id not in already]
        # A concurrent click may have nudged some of these meanwhile: the constraint drops them.
        Reminder.objects.bulk_create(
            [
                _nudge(supervisor=supervisor, agency=agency, enrollment=candidates[u], step=step)
                for u in fresh
            ],
            ignore_conflicts=True,
        )
        ids = list(
            today.filter(
                recipient_id__in=fresh, sent_by=supervisor, status=Reminder.Status.QUEUED
            ).values_list("pk", flat=True)
        )
        enqueue(ids)
        queued += len(ids)
        skipped += len(candidates) - len(ids)
    return queued, skipped


def export_started(*, supervisor: User, agency: Agency, filters: dict) -> ExportLog:
    """Write the audit record before the first row leaves, so an aborted export is on record."""
    return ExportLog.objects.create(
        user=supervisor, user_email=supervisor.email, agency=agency, filters=filters
    )


def export_finished(*, log: ExportLog, rows: int) -> None:
    ExportLog.objects.filter(pk=log.pk).update(row_count=rows, finished_at=timezone.now())
