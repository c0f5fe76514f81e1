"""Writes of supervisor actions: nudges and the export audit log."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Agency, User
from courses.models import Enrollment
from lms.batching import batched
from supervision.models import ExportLog, Nudge
from supervision.selectors import agency_today

NUDGE_CHUNK = 200  # nudges per send task
NUDGE_BATCH = 1000  # learners per round of queries


class NudgeRefused(Exception):
    """The nudge was not sent; the message says why, for the supervisor."""


def _enqueue(nudge_ids: list[int]) -> None:
    from supervision.tasks import send_nudges

    for start in range(0, len(nudge_ids), NUDGE_CHUNK):
        send_nudges.delay_on_commit(nudge_ids[start : start + NUDGE_CHUNK])


@transaction.atomic
def nudge_send(*, supervisor: User, agency: Agency, enrollment: Enrollment) -> Nudge:
    """Queue a reminder email to the enrollment's learner; at most one per learner per day
    (agency time), enforced by a unique constraint. The email is sent after commit."""
    if enrollment.completed_at is not None:
        raise NudgeRefused("This learner has already completed the series.")
    try:
        with transaction.atomic():
            nudge = Nudge.objects.create(
                learner_id=enrollment.user_id,
                enrollment=enrollment,
                sent_by=supervisor,
                sent_on=agency_today(agency),
            )
    except IntegrityError as exc:
        raise NudgeRefused("This learner was already reminded today.") from exc
    _enqueue([nudge.pk])
    return nudge


@transaction.atomic
def nudge_many(
    *, supervisor: User, agency: Agency, enrollments: Iterable[Enrollment]
) -> tuple[int, int]:
    """Queue reminders for many learners: a fixed number of queries per 1,000 learners.

    Learners already reminded today, and completed enrollments, are skipped.
    Returns (queued, skipped).
    """
    today = agency_today(agency)
    queued = skipped = 0
    for chunk in batched(enrollments, NUDGE_BATCH):
        candidates: dict[int, Enrollment] = {}
        for enrollment in chunk:
            if enrollment.completed_at is None:
                candidates.setdefault(enrollment.user_id, enrollment)
        already = set(
            Nudge.objects.filter(learner_id__in=candidates, sent_on=today).values_list(
                "learner_id", flat=True
            )
        )
        fresh = [
            Nudge(learner_id=user_id, enrollment=e, sent_by=supervisor, sent_on=today)
            for user_id, e in candidates.items()
            if user_id not in already
        ]
        # A concurrent click may have nudged some of these meanwhile: the constraint drops them.
        Nudge.objects.bulk_create(fresh, ignore_conflicts=True)
        ids = list(
            Nudge.objects.filter(
                learner_id__in=[n.learner_id for n in fresh],
                sent_on=today,
                sent_by=supervisor,
                status=Nudge.Status.QUEUED,
            ).values_list("pk", flat=True)
        )
        _enqueue(ids)
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
