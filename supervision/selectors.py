"""Reads for supervisor pages. Agency scoping lives here, once: every query of a supervisor page
starts from ``enrollments_for_supervisor`` or ``learner_for_supervisor``."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, router
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
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.utils import timezone

from accounts.models import Agency, Membership, User
from accounts.selectors import learner_here, supervision_of
from certificates.hours import RuleStanding, compliance_standing, rules_of_agency
from certificates.models import Certificate, TrainingRule
from courses.dashboard import dashboard_forget as dashboard_forget  # re-exported
from courses.dashboard import dashboard_key
from courses.models import Assignment, Enrollment, EnrollmentStatus, Series
from reminders.models import Reminder

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


def enrollments_for_supervisor(*, supervisor: User, agency: Agency) -> QuerySet[Enrollment]:
    """The latest cycle of every enrollment of the agency's learners, with ``status``.

    Empty unless ``supervisor`` supervises ``agency``. Status is computed in the database:
    completed, else overdue (due date passed), else in progress (started), else not started.
    """
    today = agency.today()
    # The first that holds gives the status; none: not started.
    steps = [
        (Q(completed_at__isnull=False), EnrollmentStatus.COMPLETED),
        (Q(due_on__lt=today), EnrollmentStatus.OVERDUE),
        (Q(started_at__isnull=False), EnrollmentStatus.IN_PROGRESS),
    ]
    return _current_enrollments_supervised(supervisor=supervisor, agency=agency).annotate(
        status=Case(
            *(When(condition, then=Value(status.value)) for condition, status in steps),
            default=Value(EnrollmentStatus.NOT_STARTED.value),
            output_field=CharField(),
        ),
        status_rank=Case(
            *(When(condition, then=Value(status.rank)) for condition, status in steps),
            default=Value(EnrollmentStatus.NOT_STARTED.rank),
            output_field=IntegerField(),
        ),
    )


def _current_enrollments_supervised(*, supervisor: User, agency: Agency) -> QuerySet[Enrollment]:
    """The scoping of ``enrollments_for_supervisor`` without its status columns: for the
    dashboard, whose conditions are on plain columns (building the two ``Case`` annotations
    costs more than a millisecond a request)."""
    # A semi-join on the membership, not a join through the user table: the planner then
    # aggregates enrollments straight from their own indexes.
    return Enrollment.objects.filter(
        Exists(supervision_of(user=supervisor, agency=agency)),
        learner_here(agency),
        is_current=True,
    )


def learners_without_enrollment(*, supervisor: User, agency: Agency) -> QuerySet[User]:
    """The agency's learners enrolled in nothing, by name (none unless supervised)."""
    return (
        User.objects.filter(
            Exists(supervision_of(user=supervisor, agency=agency)),
            memberships__agency=agency,
            memberships__role=Membership.Role.LEARNER,
        )
        .exclude(Exists(Enrollment.objects.filter(user_id=OuterRef("pk"))))
        .order_by()  # callers take a few; no sort of every learner to find them
    )


def learners_without_enrollment_matching(
    *, supervisor: User, agency: Agency, filters: Filters
) -> QuerySet[User]:
    """The learners enrolled in nothing who belong under ``filters``, by name: their status is
    "not started" in no series, so a series, another status or "overdue only" leaves them out."""
    if (
        filters.series
        or filters.overdue
        or filters.status not in ("", EnrollmentStatus.NOT_STARTED)
    ):
        return User.objects.none()
    people = learners_without_enrollment(supervisor=supervisor, agency=agency)
    for word in filters.q.split()[:6]:
        people = people.filter(Q(full_name__icontains=word) | Q(email__icontains=word))
    return people.order_by("full_name", "email", "pk")


def status_q(status: str, today: date) -> Q:
    """The condition for one status, on plain columns, so the database can use its indexes
    (filtering on the computed ``status`` would hide them)."""
    open_ = Q(completed_at__isnull=True)
    not_overdue = Q(due_on__isnull=True) | Q(due_on__gte=today)
    return {
        EnrollmentStatus.COMPLETED: Q(completed_at__isnull=False),
        EnrollmentStatus.OVERDUE: open_ & Q(due_on__lt=today),
        EnrollmentStatus.IN_PROGRESS: open_ & not_overdue & Q(started_at__isnull=False),
        EnrollmentStatus.NOT_STARTED: open_ & not_overdue & Q(started_at__isnull=True),
    }[EnrollmentStatus(status)]


def status_of(enrollment: Enrollment, today: date) -> EnrollmentStatus:
    """The same rule as the ``status`` annotation, for one enrollment already in memory."""
    if enrollment.completed_at is not None:
        return EnrollmentStatus.COMPLETED
    if enrollment.due_on is not None and enrollment.due_on < today:
        return EnrollmentStatus.OVERDUE
    if enrollment.started_at is not None:
        return EnrollmentStatus.IN_PROGRESS
    return EnrollmentStatus.NOT_STARTED


@dataclass(frozen=True)
class Behind:
    """An overdue enrollment on the dashboard's behind-schedule list."""

    user_id: int
    learner: str  # as ``User.__str__`` names them
    series_title: str
    due_on: date


def behind_schedule(
    enrollments: QuerySet[Enrollment],
    *,
    agency: Agency,
    limit: int = 10,
) -> list[Behind]:
    """The overdue enrollments due longest ago, read along the open-by-due-date index: plain
    rows (model instances of the enrollment, the user and the series cost more to build and
    to keep in the cache than the query takes)."""
    today = agency.today()
    if connection.vendor == "postgresql":
        sql, params = scoped_sql(enrollments)
        with connection.cursor() as cursor:
            cursor.execute(
                _BEHIND_SQL.format(
                    scoped=sql, users=User._meta.db_table, series=Series._meta.db_table
                ),
                (*params, today, limit),
            )
            rows = cursor.fetchall()
    else:
        overdue = enrollments.filter(status_q(EnrollmentStatus.OVERDUE, today))
        rows = list(
            overdue.order_by("due_on", "pk").values_list(
                "user_id", "user__full_name", "user__email", "series__title", "due_on"
            )[:limit]
        )
    return _behind_from_rows(rows)


def _behind_from_rows(rows: Iterable[Sequence]) -> list[Behind]:
    """``Behind`` entries from rows of user id, full name, email, series title and due date."""
    return [
        # The learner named as ``User.__str__`` does (no model instance built per row).
        Behind(user_id=user_id, learner=full_name or email, series_title=title, due_on=due_on)
        for user_id, full_name, email, title, due_on in rows
    ]


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


def filter_enrollments(
    enrollments: QuerySet[Enrollment], filters: Filters, *, agency: Agency
) -> QuerySet:
    today = agency.today()
    if filters.series:
        enrollments = enrollments.filter(series_id=filters.series)
    if filters.status in EnrollmentStatus.values:
        enrollments = enrollments.filter(status_q(filters.status, today))
    if filters.overdue:
        enrollments = enrollments.filter(status_q(EnrollmentStatus.OVERDUE, today))
    for word in filters.q.split()[:6]:
        enrollments = enrollments.filter(
            Q(user__full_name__icontains=word) | Q(user__email__icontains=word)
        )
    first, *rest = SORTS.get(filters.sort, SORTS["status"])
    # Empty dates sort last either way: “no due date” is never the most urgent row.
    lead = F(first).desc(nulls_last=True) if filters.descending else F(first).asc(nulls_last=True)
    return enrollments.order_by(lead, *(F(f).asc(nulls_last=True) for f in rest), "pk")


class TableCounts(NamedTuple):
    """How many rows of the learners table each series holds, by status: the filter's list of
    series, the paginator's count and the status-sorted pages' boundaries from one grouped
    read (several scans of every enrollment of the agency otherwise)."""

    by_series_status: dict[tuple[int, str], int]

    @property
    def series_ids(self) -> set[int]:
        """The series the agency's learners are enrolled in (current cycles)."""
        return {series_id for series_id, _ in self.by_series_status}

    def by_status(self, filters: Filters) -> dict[str, int] | None:
        """How many rows of each status ``filter_enrollments`` keeps for ``filters``, or
        ``None`` when a search narrows them (the counts cannot say which rows match)."""
        if filters.q.split():
            return None
        wanted = set(EnrollmentStatus.values)
        if filters.status in EnrollmentStatus.values:
            wanted &= {filters.status}
        if filters.overdue:
            wanted &= {EnrollmentStatus.OVERDUE.value}
        found = dict.fromkeys(sorted(wanted), 0)
        for (series_id, status), n in self.by_series_status.items():
            if status in found and (not filters.series or series_id == filters.series):
                found[status] += n
        return found

    def matching(self, filters: Filters) -> int | None:
        """The number of rows ``filter_enrollments`` keeps for ``filters``; ``None`` (count
        them) when a search narrows them."""
        counts = self.by_status(filters)
        return None if counts is None else sum(counts.values())


def table_counts(enrollments: QuerySet[Enrollment]) -> TableCounts:
    """``enrollments`` (``enrollments_for_supervisor``'s, unfiltered) counted by series and
    status, in one query."""
    # "status" is enrollments_for_supervisor's annotation, which the type checker cannot see.
    rows = (
        enrollments.order_by()
        .values_list("series_id", "status")  # type: ignore[misc]
        .annotate(n=Count("pk"))
    )
    return TableCounts({(series_id, status): n for series_id, status, n in rows})


class StatusPages:
    """The learners table in its default order (by status, then due date, name), read a
    status at a time: a page is the rows of one or two statuses, each read with its own
    condition and ``LIMIT``/``OFFSET``, the offsets found from ``TableCounts``. The same rows in
    the same order as ``filter_enrollments``' one sorted read, without sorting every row of the
    agency to find fifty (at 100,000 learners a sort of every row costs most of the page).

    A ``Paginator`` slices it as it slices a query set."""

    def __init__(
        self, rows: QuerySet[Enrollment], counts: dict[str, int], *, today, descending: bool
    ) -> None:
        order = sorted(EnrollmentStatus, key=lambda status: status.rank, reverse=descending)
        self.parts = [
            (rows.filter(status_q(status, today)), counts[status])
            for status in order
            if counts.get(status)
        ]

    def count(self) -> int:
        return sum(n for _, n in self.parts)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Enrollment]:
        start, stop = window.start or 0, window.stop
        found: list[Enrollment] = []
        offset = 0
        for rows, n in self.parts:
            if stop is not None and stop <= offset:
                break
            if start < offset + n:
                low = max(start - offset, 0)
                high = n if stop is None else min(stop - offset, n)
                found.extend(rows[low:high])
            offset += n
        return found


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
            (status.value, str(status.label), self.counts[status], self.percent(status))
            for status in EnrollmentStatus.behind_first()
        ]


def dashboard_figures(
    enrollments: QuerySet[Enrollment],
    *,
    agency: Agency,
    weeks: int = 26,
) -> tuple[list[SeriesSummary], list[tuple[date, int]]]:
    """Status counts per series and completions per week (weeks start on Monday, agency time)
    over the last ``weeks`` weeks, oldest first, every week present.

    One query: a single aggregate over the enrollments grouped by series and completion week
    (a few dozen rows per series), with each series' title, summed up here. The summaries'
    series hold their id and title only (the rest is deferred: read on access).
    """
    today = agency.today()
    rows = _figure_rows(enrollments, agency=agency, today=today, vendor=connection.vendor)
    return _summed_figures(rows, today=today, weeks=weeks, db=enrollments.db)


def _summed_figures(
    rows: Iterable[dict], *, today: date, weeks: int, db: str
) -> tuple[list[SeriesSummary], list[tuple[date, int]]]:
    """``dashboard_figures``' result from ``_figure_rows``' rows."""
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    totals: dict[int, dict[str, int]] = {}
    titles: dict[int, str] = {}
    per_week = {first_monday + timedelta(weeks=i): 0 for i in range(weeks)}
    statuses = EnrollmentStatus.values  # built anew on each access: once, not once a row
    keys = ("total", *statuses)
    for row in rows:
        series_id = row["series_id"]
        titles[series_id] = row["series_title"]
        series_totals = totals.get(series_id)
        if series_totals is None:
            series_totals = totals[series_id] = dict.fromkeys(keys, 0)
        for key in keys:
            series_totals[key] += row[key]
        if (week := row["week"]) is not None:
            monday = week.date() if isinstance(week, datetime) else week
            if monday in per_week:
                per_week[monday] += row["completed"]
    summaries = [
        SeriesSummary(
            series=Series.from_db(db, ["id", "title"], [pk, titles[pk]]),
            total=series_totals["total"],
            counts={status: series_totals[status] for status in statuses},
        )
        for pk, series_totals in sorted(totals.items(), key=lambda item: (titles[item[0]], item[0]))
    ]
    return summaries, sorted(per_week.items())


# The dashboard's aggregate, written out for PostgreSQL: the ORM's version costs more to build
# in Python (≈3 ms a request) than PostgreSQL takes to run it at 10,000 learners. The rows still
# come from ``enrollments_for_supervisor``'s scoping (compiled by the ORM); the four conditions
# are those of ``status_q``, on plain columns, named by the ``EnrollmentStatus`` values (tests
# compare this with the ORM's version on PostgreSQL). The series' titles are read after the
# grouping: for a few dozen rows, not one per enrollment; the weeks are read as timestamps (a
# cast to dates costs more per row than the rest of the grouping: the Monday is taken here).
_FIGURES_SQL = """
SELECT f.*, (SELECT s.title FROM {series} s WHERE s.id = f.series_id) AS series_title
FROM (
SELECT e.series_id,
       date_trunc('week', e.completed_at AT TIME ZONE %s) AS week,
       count(*) AS total,
       count(*) FILTER (WHERE e.completed_at IS NULL
                          AND (e.due_on IS NULL OR e.due_on >= %s)
                          AND e.started_at IS NULL) AS not_started,
       count(*) FILTER (WHERE e.completed_at IS NULL
                          AND (e.due_on IS NULL OR e.due_on >= %s)
                          AND e.started_at IS NOT NULL) AS in_progress,
       count(*) FILTER (WHERE e.completed_at IS NOT NULL) AS completed,
       count(*) FILTER (WHERE e.completed_at IS NULL AND e.due_on < %s) AS overdue
FROM ({scoped}) e
GROUP BY 1, 2
) f
"""


# The behind-schedule list over the same rows: the condition is ``status_q``'s overdue one. The
# names and titles are read for the ten rows kept, by primary key (a join to the users would
# double the time PostgreSQL takes to plan the query, longer than it takes to run).
_BEHIND_SQL = """
SELECT e.user_id,
       (SELECT u.full_name FROM {users} u WHERE u.id = e.user_id) AS full_name,
       (SELECT u.email FROM {users} u WHERE u.id = e.user_id) AS email,
       (SELECT s.title FROM {series} s WHERE s.id = e.series_id) AS series_title,
       e.due_on
FROM ({scoped}) e
WHERE e.completed_at IS NULL AND e.due_on < %s
ORDER BY e.due_on, e.id
LIMIT %s
"""


class ScopedSQL(NamedTuple):
    sql: str
    params: tuple


def scoped_sql(enrollments: QuerySet[Enrollment]) -> ScopedSQL:
    """``enrollments`` compiled by the ORM (the scoping's SQL, written once), with the columns
    the hand-written dashboard queries read."""
    sql, params = (
        enrollments.order_by()
        .values("id", "user_id", "series_id", "completed_at", "due_on", "started_at")
        .query.sql_with_params()
    )
    return ScopedSQL(sql, tuple(params))


def _figure_rows(
    enrollments: QuerySet[Enrollment],
    *,
    agency: Agency,
    today: date,
    vendor: str,
) -> list[dict]:
    """Status counts grouped by series and completion week (Monday, agency time), with the
    series' title (``series_title``)."""
    if vendor == "postgresql":
        sql, params = scoped_sql(enrollments)
        with connection.cursor() as cursor:
            # Placeholders in the order they appear: the zone, today three times, the rows'.
            cursor.execute(
                _FIGURES_SQL.format(scoped=sql, series=Series._meta.db_table),
                (agency.timezone, *[today] * 3, *params),
            )
            columns = [column.name for column in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    rows = (
        enrollments.order_by()
        .values(
            "series_id",
            week=TruncWeek("completed_at", tzinfo=agency_zone(agency)),
            series_title=F("series__title"),
        )
        .annotate(
            total=Count("pk"),
            **{s: Count("pk", filter=status_q(s, today)) for s in EnrollmentStatus.values},
        )
    )
    return [dict(row) for row in rows]


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard shows, as of a moment: figures per series, completions per week and
    the learners longest overdue."""

    summaries: list[SeriesSummary]
    weeks: list[tuple[date, int]]
    behind: list[Behind]
    as_of: datetime
    standings: list[RuleStanding] = field(default_factory=list)  # against the agency's rules

    @property
    def overdue_total(self) -> int:
        return sum(s.counts[EnrollmentStatus.OVERDUE] for s in self.summaries)


def dashboard(*, supervisor: User, agency: Agency) -> Dashboard:
    """The dashboard's figures, and how the agency stands against its training rules, kept for
    ``LMS_DASHBOARD_CACHE_SECONDS`` per agency (the rule service forgets the entry when a rule
    changes).

    The figures are the same for every supervisor of the agency, so ``supervisor`` must be one
    (the views' ``supervisor_required`` picks ``agency`` among theirs): they are computed over
    ``enrollments_for_supervisor``'s scoping, empty for anyone else, who must not fill the
    entry. The rows are read only on a miss (a kept copy costs no query). The assignment
    services clear the entry on commit, whoever calls them (``courses.dashboard``); learners'
    progress shows within the minute.
    """
    key = dashboard_key(agency)
    cached = cache.get(key)
    if cached is not None:
        return cached
    db = router.db_for_read(Enrollment)  # where the scoping's queryset would read
    if connections[db].vendor == "postgresql" and _several_statements_per_execute(db):
        figures = _dashboard_in_one_round_trip(supervisor=supervisor, agency=agency, db=db)
    else:
        enrollments = _current_enrollments_supervised(supervisor=supervisor, agency=agency)
        summaries, weeks = dashboard_figures(enrollments, agency=agency)
        figures = Dashboard(
            summaries=summaries,
            weeks=weeks,
            behind=behind_schedule(enrollments, agency=agency),
            as_of=timezone.now(),
            standings=compliance_standing(supervisor=supervisor, agency=agency),
        )
    cache.set(key, figures, settings.LMS_DASHBOARD_CACHE_SECONDS)
    return figures


def _several_statements_per_execute(db: str) -> bool:
    """psycopg's client-side binding cursor (Django's default) sends a query as text, so one
    ``execute`` may hold several statements, each result read in turn (``nextset``); with
    server-side binding it may hold one."""
    return not connections[db].settings_dict.get("OPTIONS", {}).get("server_side_binding")


class _DashboardSQL(NamedTuple):
    """The dashboard's three reads as one text: the figures (``_FIGURES_SQL``), the behind-
    schedule list (``_BEHIND_SQL``) and the agency's training rules (``rules_of_agency``)."""

    sql: str
    scoped_params: tuple
    rules_params: tuple
    rule_fields: list[str]


# Compiling the scoping with the ORM costs more (≈1.5 ms) than the behind-schedule list takes
# to run. Its text depends on the ids alone, so it is compiled once per process for each
# supervisor and agency (the figures are read afresh every time); a bounded number are kept.
_compiled_dashboards: dict[tuple[str, int, int], _DashboardSQL] = {}
_COMPILED_KEPT = 512


def _dashboard_sql(*, supervisor: User, agency: Agency, db: str) -> _DashboardSQL:
    key = (db, supervisor.pk, agency.pk)
    found = _compiled_dashboards.get(key)
    if found is not None:
        return found
    scoped, params = scoped_sql(
        _current_enrollments_supervised(supervisor=supervisor, agency=agency).using(db)
    )
    rules_sql, rules_params = rules_of_agency(agency).using(db).query.sql_with_params()
    names = {"series": Series._meta.db_table, "users": User._meta.db_table}
    found = _DashboardSQL(
        sql=";\n".join(
            (
                _FIGURES_SQL.format(scoped=scoped, **names),
                _BEHIND_SQL.format(scoped=scoped, **names),
                rules_sql,
            )
        ),
        scoped_params=params,
        rules_params=tuple(rules_params),
        # A model's query selects its concrete fields, in their order.
        rule_fields=[f.attname for f in TrainingRule._meta.concrete_fields],
    )
    if len(_compiled_dashboards) >= _COMPILED_KEPT:
        _compiled_dashboards.clear()
    _compiled_dashboards[key] = found
    return found


def _dashboard_in_one_round_trip(
    *, supervisor: User, agency: Agency, db: str, weeks: int = 26, limit: int = 10
) -> Dashboard:
    """``dashboard``'s figures on PostgreSQL: its three reads sent in one ``execute``, the
    same statements ``dashboard_figures``, ``behind_schedule`` and ``rules_of_agency`` run."""
    today = agency.today()
    compiled = _dashboard_sql(supervisor=supervisor, agency=agency, db=db)
    with connections[db].cursor() as cursor:
        # Placeholders in the order they appear: the figures' zone and today three times, the
        # rows'; the behind list's rows', today and the limit; the rules'.
        cursor.execute(
            compiled.sql,
            (
                agency.timezone,
                *[today] * 3,
                *compiled.scoped_params,
                *compiled.scoped_params,
                today,
                limit,
                *compiled.rules_params,
            ),
        )
        columns = [column.name for column in cursor.description]
        figure_rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        cursor.nextset()
        behind_rows = cursor.fetchall()
        cursor.nextset()
        rules = [TrainingRule.from_db(db, compiled.rule_fields, row) for row in cursor.fetchall()]
    summaries, per_week = _summed_figures(figure_rows, today=today, weeks=weeks, db=db)
    return Dashboard(
        summaries=summaries,
        weeks=per_week,
        behind=_behind_from_rows(behind_rows),
        as_of=timezone.now(),
        standings=compliance_standing(supervisor=supervisor, agency=agency, rules=rules),
    )


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


def assignments_for_supervisor(*, supervisor: User, agency: Agency) -> list[Assignment]:
    """The agency's assignments, live ones first, with how many current cycles each holds
    (``enrollment_count``; none unless supervised)."""
    return list(
        Assignment.objects.filter(
            Exists(supervision_of(user=supervisor, agency=agency)), agency=agency
        )
        .select_related("series", "created_by", "cancelled_by")
        .annotate(
            enrollment_count=Count("enrollments", filter=Q(enrollments__is_current=True)),
        )
        .order_by(F("cancelled_at").desc(nulls_first=True), "-created_at")
    )


def assignment_for_supervisor(*, supervisor: User, assignment_id: int) -> Assignment:
    """One assignment of an agency the user supervises; 404 for any other (the answer must not
    confirm that the id exists)."""
    assignment = (
        Assignment.objects.filter(
            pk=assignment_id, agency__in=agencies_for_supervisor(user=supervisor)
        )
        .select_related("agency", "series", "created_by", "cancelled_by")
        .first()
    )
    if assignment is None:
        raise Http404("No such assignment.")
    return assignment


def open_enrollments_outside_assignments(*, supervisor: User, agency: Agency) -> int:
    """How many unfinished current enrollments of the agency's learners no live assignment
    holds (self-enrolled, older records, or a cancelled assignment's): they get no assignment
    reminders (0 unless supervised)."""
    return (
        enrollments_for_supervisor(supervisor=supervisor, agency=agency)
        .filter(completed_at__isnull=True)
        .filter(Q(assignment__isnull=True) | Q(assignment__cancelled_at__isnull=False))
        .count()
    )


@dataclass(frozen=True)
class RemovalPreview:
    """What removing a learner from an agency will do, counted for the confirmation page."""

    open_assigned: int  # unfinished series the agency assigned: no longer due
    completed_assigned: int  # completed series the agency assigned: no refresher from it
    queued_reminders: int  # reminders from the agency not yet sent: cancelled
    completions: int  # completed cycles of any series: kept
    certificates: int  # certificates: kept


def removal_preview(*, supervisor: User, learner: User, agency: Agency) -> RemovalPreview:
    """The counts behind "Remove from the agency" (a handful of queries); empty unless
    ``supervisor`` supervises ``agency`` and ``learner`` learns there."""
    if not (
        supervision_of(user=supervisor, agency=agency).exists()
        and Membership.objects.filter(
            user=learner, agency=agency, role=Membership.Role.LEARNER
        ).exists()
    ):
        return RemovalPreview(0, 0, 0, 0, 0)
    held = Enrollment.objects.filter(user=learner, is_current=True, assignment__agency=agency)
    return RemovalPreview(
        open_assigned=held.filter(completed_at__isnull=True).count(),
        completed_assigned=held.filter(completed_at__isnull=False).count(),
        queued_reminders=Reminder.objects.filter(
            recipient=learner, agency=agency, status=Reminder.Status.QUEUED
        ).count(),
        completions=Enrollment.objects.filter(user=learner, completed_at__isnull=False).count(),
        certificates=Certificate.objects.filter(user=learner, revoked_at__isnull=True).count(),
    )
