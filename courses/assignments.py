"""Writes for assignments: a supervisor requires a series of an agency's learners by a date."""

from __future__ import annotations

import calendar
import zoneinfo
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from accounts.models import Agency, Membership, User
from accounts.selectors import learner_here, supervision_of
from courses.models import Assignment, Enrollment, Series
from lms.batching import batched

BATCH = 1000


class AssignmentRefused(Exception):
    """The assignment was not made; the message says why, for the supervisor."""


@transaction.atomic
def assignment_create(
    *,
    supervisor: User,
    agency: Agency,
    series: Series,
    today: date,
    everyone: bool = False,
    learners: Iterable[User] = (),
    due_on: date | None = None,
    due_in_days: int | None = None,
    recurrence_months: int | None = None,
) -> tuple[Assignment, int]:
    """Assign a published series to the whole agency or to chosen learners of it.

    Learners get an enrollment in the series due by the assignment's date; one they already have
    (self-enrolled, unfinished) takes the assignment and its due date. Completed cycles are left
    as they are. A fixed number of queries per 1,000 learners. Returns (assignment, enrolled).
    """
    if not supervision_of(user=supervisor, agency=agency).exists():
        raise AssignmentRefused("Only the agency's supervisors can assign its training.")
    if series.status != Series.Status.PUBLISHED:
        raise AssignmentRefused("Only a published series can be assigned.")
    if (due_on is None) == (due_in_days is None):
        raise AssignmentRefused("Give either a due date or a number of days, not both.")
    chosen = {u.pk for u in learners}
    if not everyone and not chosen:
        raise AssignmentRefused("Choose the learners, or assign the whole agency.")
    members = set(
        Membership.objects.filter(agency=agency, role=Membership.Role.LEARNER).values_list(
            "user_id", flat=True
        )
    )
    strangers = chosen - members
    if strangers:
        raise AssignmentRefused("Some of the chosen people are not learners of this agency.")
    assignment = Assignment(
        agency=agency,
        series=series,
        created_by=supervisor,
        everyone=everyone,
        due_on=due_on,
        due_in_days=due_in_days,
        recurrence_months=recurrence_months,
    )
    assignment.full_clean()
    assignment.save()
    if not everyone:
        assignment.learners.set(chosen)
    return assignment, assignment_enrol(assignment=assignment, today=today)


@transaction.atomic
def assignment_enrol(*, assignment: Assignment, today: date) -> int:
    """Enrol the assignment's learners (the agency's, for a whole-agency assignment).

    Safe to repeat: learners already enrolled are not enrolled twice. Returns how many new.
    """
    learners = Membership.objects.filter(agency=assignment.agency, role=Membership.Role.LEARNER)
    if not assignment.everyone:
        learners = learners.filter(user__in=assignment.learners.all())
    targets = sorted(learners.values_list("user_id", flat=True))
    return _enrol(assignment, targets, due=assignment.due_date_from(today))


def _enrol(assignment: Assignment, user_ids: list[int], *, due: date) -> int:
    """Give each learner the assignment on their current cycle, or a new enrollment."""
    enrolled = 0
    for chunk in batched(user_ids, BATCH):
        current = Enrollment.objects.filter(
            user_id__in=chunk, series=assignment.series, is_current=True
        )
        have = set(current.values_list("user_id", flat=True))
        # An unfinished cycle takes the assignment; the earlier of the two due dates stands.
        current.filter(completed_at__isnull=True, assignment__isnull=True).filter(
            Q(due_on__isnull=True) | Q(due_on__gt=due)
        ).update(assignment=assignment, due_on=due, source=Enrollment.Source.ASSIGNED)
        current.filter(completed_at__isnull=True, assignment__isnull=True).update(
            assignment=assignment, source=Enrollment.Source.ASSIGNED
        )
        fresh = [
            Enrollment(
                user_id=user_id,
                series=assignment.series,
                source=Enrollment.Source.ASSIGNED,
                assignment=assignment,
                due_on=due,
            )
            for user_id in chunk
            if user_id not in have
        ]
        # A learner enrolling at this very moment wins; the constraint drops the duplicate.
        Enrollment.objects.bulk_create(fresh, ignore_conflicts=True)
        enrolled += len(fresh)
    return enrolled


@transaction.atomic
def assignments_apply_to_new_learner(*, user: User, agency: Agency, today: date) -> int:
    """A learner who joins an agency receives its whole-agency assignments. Returns how many."""
    applied = 0
    for assignment in Assignment.objects.filter(agency=agency, everyone=True).select_related(
        "series"
    ):
        if assignment.series.status != Series.Status.PUBLISHED:
            continue
        applied += _enrol(assignment, [user.pk], due=assignment.due_date_from(today))
    return applied


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the month's last day when it is shorter (31 Jan + 1)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def refresher_due(*, completed_on: date, months: int) -> date:
    return add_months(completed_on, months)


def refreshers_open(*, agency: Agency, today: date) -> int:
    """Open the next cycle of recurring assignments whose refresher is coming due.

    A learner who completed a cycle of an assignment that recurs every N months gets a new cycle
    due N months after that completion, opened ``LMS_REFRESHER_OPENS_DAYS_BEFORE`` days ahead.
    The completed cycle stays on record. Safe under concurrent planners: a cycle is handed over
    by a conditional update, and the database refuses a second current cycle.
    Returns how many cycles were opened.
    """
    zone = zoneinfo.ZoneInfo(agency.timezone)
    ahead = timedelta(days=settings.LMS_REFRESHER_OPENS_DAYS_BEFORE)
    candidates = (
        Enrollment.objects.filter(
            learner_here(agency),
            is_current=True,
            completed_at__isnull=False,
            assignment__recurrence_months__isnull=False,
        )
        .values_list(
            "pk",
            "user_id",
            "series_id",
            "cycle",
            "assignment_id",
            "completed_at",
            "assignment__recurrence_months",
        )
        .order_by("pk")
    )
    opened = 0
    for chunk in batched(candidates.iterator(chunk_size=BATCH), BATCH):
        due_now = []
        for pk, user_id, series_id, cycle, assignment_id, completed_at, months in chunk:
            due = refresher_due(completed_on=completed_at.astimezone(zone).date(), months=months)
            if due - ahead <= today:
                due_now.append((pk, user_id, series_id, cycle, assignment_id, due))
        if not due_now:
            continue
        with transaction.atomic():
            handed_over = Enrollment.objects.filter(
                pk__in=[row[0] for row in due_now], is_current=True
            ).update(is_current=False)
            # Rows another planner handed over first conflict with its new cycles and drop out.
            Enrollment.objects.bulk_create(
                [
                    Enrollment(
                        user_id=user_id,
                        series_id=series_id,
                        cycle=cycle + 1,
                        source=Enrollment.Source.ASSIGNED,
                        assignment_id=assignment_id,
                        due_on=due,
                    )
                    for _pk, user_id, series_id, cycle, assignment_id, due in due_now
                ],
                ignore_conflicts=True,
            )
        opened += handed_over
    return opened
