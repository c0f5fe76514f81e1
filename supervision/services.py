"""Writes of supervisor actions: nudges (rows of the reminder outbox), the export audit log, and
the security log's records of what supervisors read (exports, learners' records)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts.models import Agency, User
from audit.models import Outcome
from audit.services import audit_record
from courses.models import Enrollment
from lms.batching import batched
from reminders.models import Reminder
from reminders.planner import reminded_on
from reminders.tasks import enqueue
from supervision.models import ExportLog

NUDGE_BATCH = 1000  # learners per round of queries


ALREADY_REMINDED = gettext_noop(
    "This learner was already reminded today: nothing more was sent (one reminder email a day "
    "at most)."
)


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
    """Put a reminder to the enrollment's learner in the reminder outbox. A learner gets one
    reminder email a day at most (agency time): refused when they already have one that day,
    a nudge (also enforced by a unique constraint) or an automatic reminder still to go or
    sent (``reminders.planner.reminded_on``). Sent after commit by the reminder workers, with
    their retries and records."""
    if enrollment.completed_at is not None:
        raise NudgeRefused(gettext("This learner has already completed the series."))
    today = agency.today()
    if reminded_on(agency, today).filter(recipient_id=enrollment.user_id).exists():
        raise NudgeRefused(gettext(ALREADY_REMINDED))
    step = nudge_step(today)
    try:
        with transaction.atomic():
            reminder = _nudge(
                supervisor=supervisor, agency=agency, enrollment=enrollment, step=step
            )
            reminder.save()
    except IntegrityError as exc:
        raise NudgeRefused(gettext(ALREADY_REMINDED)) from exc
    enqueue([reminder.pk])
    return reminder


@transaction.atomic
def nudge_many(
    *, supervisor: User, agency: Agency, enrollments: Iterable[Enrollment]
) -> tuple[int, int]:
    """Queue reminders for many learners: a fixed number of queries per 1,000 learners.

    Learners already reminded today (a nudge or an automatic reminder: one email a day at
    most), and completed enrollments, are skipped. Returns (queued, skipped).
    """
    day = agency.today()
    step = nudge_step(day)
    reminded = reminded_on(agency, day)
    queued = skipped = 0
    for chunk in batched(enrollments, NUDGE_BATCH):
        candidates: dict[int, Enrollment] = {}
        for enrollment in chunk:
            if enrollment.completed_at is None:
                candidates.setdefault(enrollment.user_id, enrollment)
        today = Reminder.objects.filter(kind=Reminder.Kind.NUDGE, step=step)
        already = set(
            reminded.filter(recipient_id__in=candidates).values_list("recipient_id", flat=True)
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


@transaction.atomic
def export_started(
    *,
    supervisor: User,
    agency: Agency,
    filters: dict,
    file: str = "learners",
    request: HttpRequest | None = None,
) -> ExportLog:
    """Write the audit records before the first row leaves, so an aborted export is on record:
    the export log (which gets the row count when the stream ends) and the security log's
    ``export.csv`` (who, from where, which file and filters; the log's id joins the two)."""
    log = ExportLog.objects.create(
        user=supervisor, user_email=supervisor.email, agency=agency, filters=filters
    )
    audit_record(
        action="export.csv",
        actor=supervisor,
        target=agency,
        request=request,
        details={"file": file, "filters": filters, "export_log": log.pk},
    )
    return log


def export_finished(*, log: ExportLog, rows: int) -> None:
    ExportLog.objects.filter(pk=log.pk).update(row_count=rows, finished_at=timezone.now())


def record_viewed(
    *,
    supervisor: User,
    agency: Agency,
    page: str,
    request: HttpRequest | None = None,
    learner: User | None = None,
    learner_id: int | None = None,
) -> None:
    """Audit a supervisor opening a learner's record (``record.viewed``): the drill-down, the
    transcript or its PDF (``page``). With no ``learner`` (not one the supervisor may see, or
    no such id) it is recorded as refused, naming only the id asked for."""
    details = {"page": page, "agency": agency.slug}
    if learner is None:
        audit_record(
            action="record.viewed",
            actor=supervisor,
            target=f"accounts.user #{learner_id}",
            request=request,
            outcome=Outcome.REFUSED,
            details=details,
        )
        return
    audit_record(
        action="record.viewed", actor=supervisor, target=learner, request=request, details=details
    )
