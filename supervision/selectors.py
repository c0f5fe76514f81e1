"""Reads for supervisor pages. Agency scoping lives here, once: every query of a supervisor page
starts from ``enrollments_for_supervisor`` or ``learner_for_supervisor``."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from accounts.models import Agency, Membership, User
from courses.models import Enrollment, Series

STATUSES = ("not_started", "in_progress", "completed", "overdue")
STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "completed": "Completed",
    "overdue": "Overdue",
}
# “Behind schedule first”: the order of the status column and of the dashboard lists.
STATUS_RANK = {"overdue": 0, "in_progress": 1, "not_started": 2, "completed": 3}

SORTS = {
    "name": ("user__full_name", "user__email"),
    "email": ("user__email",),
    "series": ("series__title", "user__full_name"),
    "status": ("status_rank", "due_on", "user__full_name"),
    "percent": ("percent_complete", "user__full_name"),
    "due": ("due_on", "user__full_name"),
    "completed": ("completed_at", "user__full_name"),
    "activity": ("last_activity_at", "user__full_name"),
}


def agencies_for_supervisor(*, user: User) -> QuerySet[Agency]:
    """The agencies this user supervises (none for anyone else)."""
    return Agency.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.SUPERVISOR
    ).order_by("name")


def agency_zone(agency: Agency) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(agency.timezone)


def agency_today(agency: Agency) -> date:
    return timezone.localdate(timezone=agency_zone(agency))


def enrollments_for_supervisor(*, supervisor: User, agency: Agency) -> QuerySet[Enrollment]:
    """The latest cycle of every enrollment of the agency's learners, with ``status``.

    Empty unless ``supervisor`` supervises ``agency``. Status is computed in the database:
    completed, else overdue (due date passed), else in progress (started), else not started.
    """
    supervises = Membership.objects.filter(
        user=supervisor, agency=agency, role=Membership.Role.SUPERVISOR
    )
    later_cycle = Enrollment.objects.filter(
        user_id=OuterRef("user_id"), series_id=OuterRef("series_id"), cycle__gt=OuterRef("cycle")
    )
    today = agency_today(agency)
    return (
        Enrollment.objects.filter(
            Exists(supervises),
            user__memberships__agency=agency,
            user__memberships__role=Membership.Role.LEARNER,
        )
        .exclude(Exists(later_cycle))
        .annotate(
            status=Case(
                When(completed_at__isnull=False, then=Value("completed")),
                When(due_on__lt=today, then=Value("overdue")),
                When(started_at__isnull=False, then=Value("in_progress")),
                default=Value("not_started"),
                output_field=CharField(),
            ),
            status_rank=Case(
                When(completed_at__isnull=False, then=Value(STATUS_RANK["completed"])),
                When(due_on__lt=today, then=Value(STATUS_RANK["overdue"])),
                When(started_at__isnull=False, then=Value(STATUS_RANK["in_progress"])),
                default=Value(STATUS_RANK["not_started"]),
                output_field=IntegerField(),
            ),
        )
    )


def learners_without_enrollment(*, supervisor: User, agency: Agency) -> QuerySet[User]:
    """The agency's learners enrolled in nothing, by name (none unless supervised)."""
    supervises = Membership.objects.filter(
        user=supervisor, agency=agency, role=Membership.Role.SUPERVISOR
    )
    return (
        User.objects.filter(
            Exists(supervises),
            memberships__agency=agency,
            memberships__role=Membership.Role.LEARNER,
        )
        .exclude(Exists(Enrollment.objects.filter(user_id=OuterRef("pk"))))
        .order_by("full_name", "email")
    )


@dataclass(frozen=True)
class Filters:
    series: int | None = None
    status: str = ""
    overdue: bool = False
    q: str = ""
    sort: str = "status"
    descending: bool = False

    def as_dict(self) -> dict:
        return {
            "series": self.series,
            "status": self.status,
            "overdue": self.overdue,
            "q": self.q,
            "sort": ("-" if self.descending else "") + self.sort,
        }


def filter_enrollments(enrollments: QuerySet[Enrollment], filters: Filters) -> QuerySet:
    if filters.series:
        enrollments = enrollments.filter(series_id=filters.series)
    if filters.status:
        enrollments = enrollments.filter(status=filters.status)
    if filters.overdue:
        enrollments = enrollments.filter(status="overdue")
    for word in filters.q.split()[:6]:
        enrollments = enrollments.filter(
            Q(user__full_name__icontains=word) | Q(user__email__icontains=word)
        )
    first, *rest = SORTS.get(filters.sort, SORTS["status"])
    # Empty dates sort last either way: “no due date” is never the most urgent row.
    lead = F(first).desc(nulls_last=True) if filters.descending else F(first).asc(nulls_last=True)
    return enrollments.order_by(lead, *(F(f).asc(nulls_last=True) for f in rest), "pk")


@dataclass
class SeriesSummary:
    series: Series
    total: int
    counts: dict[str, int]

    def percent(self, status: str) -> int:
        return round(100 * self.counts[status] / self.total) if self.total else 0

    @property
    def rows(self) -> list[tuple[str, str, int, int]]:
        return [
            (status, STATUS_LABELS[status], self.counts[status], self.percent(status))
            for status in ("overdue", "in_progress", "not_started", "completed")
        ]


def series_summaries(enrollments: QuerySet[Enrollment]) -> list[SeriesSummary]:
    """Counts per series and status, aggregated in the database in one query."""
    rows = (
        enrollments.order_by()
        .values("series_id")
        .annotate(
            total=Count("pk"),
            **{s: Count("pk", filter=Q(status=s)) for s in STATUSES},
        )
    )
    by_series = {row["series_id"]: row for row in rows}
    series = Series.objects.filter(pk__in=by_series).order_by("title")
    return [
        SeriesSummary(
            series=s,
            total=by_series[s.pk]["total"],
            counts={status: by_series[s.pk][status] for status in STATUSES},
        )
        for s in series
    ]


def completions_by_week(
    enrollments: QuerySet[Enrollment], *, agency: Agency, weeks: int = 26
) -> list[tuple[date, int]]:
    """Completions per week (weeks start on Monday, agency time) over the last ``weeks`` weeks,
    every week present, oldest first. One query: days are grouped in the database."""
    today = agency_today(agency)
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    start = datetime.combine(first_monday, datetime.min.time(), tzinfo=agency_zone(agency))
    per_day = (
        enrollments.filter(completed_at__gte=start)
        .order_by()
        .annotate(day=TruncDate("completed_at", tzinfo=agency_zone(agency)))
        .values("day")
        .annotate(n=Count("pk"))
    )
    counts = {first_monday + timedelta(weeks=i): 0 for i in range(weeks)}
    for row in per_day:
        monday = row["day"] - timedelta(days=row["day"].weekday())
        if monday in counts:
            counts[monday] += row["n"]
    return sorted(counts.items())


def learner_for_supervisor(*, supervisor: User, learner_id: int) -> tuple[User, list[Agency]]:
    """The learner and the agencies through which the supervisor oversees them.

    404, not 403, when the learner is in none of the supervisor's agencies: the answer must not
    confirm that the id exists.
    """
    agencies = list(
        agencies_for_supervisor(user=supervisor).filter(
            Exists(
                Membership.objects.filter(
                    agency=OuterRef("pk"), user_id=learner_id, role=Membership.Role.LEARNER
                )
            )
        )
    )
    if not agencies:
        raise Http404("No such learner.")
    return User.objects.get(pk=learner_id), agencies
