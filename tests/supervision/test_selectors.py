from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from courses import services as course_services
from courses.models import Enrollment
from supervision import selectors
from supervision.selectors import Filters
from tests import factories
from tests.supervision.conftest import bulk_learners

pytestmark = pytest.mark.django_db


def _statuses(qs) -> dict[str, str]:
    return dict(qs.values_list("user__email", "status"))


def test_status_is_computed_in_the_database(agency, supervisor, series):
    """Completed beats overdue beats in progress beats not started."""
    bulk_learners(agency, series, 8)
    rows = selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency)
    by_index = {int(e.split("@")[0][4:]): s for e, s in _statuses(rows).items()}
    assert [by_index[i] for i in range(4)] == ["not_started", "in_progress", "completed", "overdue"]


def test_a_supervisor_sees_nothing_of_an_agency_they_do_not_supervise(
    agency, other_agency, supervisor, other_supervisor, series
):
    """Scoping by agency: the other agency's enrollments never come back, even when asked for."""
    bulk_learners(agency, series, 4, prefix="mine")
    bulk_learners(other_agency, series, 4, prefix="theirs")
    mine = selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency)
    assert all(email.startswith("mine") for email in _statuses(mine))
    asked_for_other = selectors.enrollments_for_supervisor(
        supervisor=supervisor, agency=other_agency
    )
    assert asked_for_other.count() == 0


def test_a_learner_is_not_a_supervisor(agency, learner, series):
    """A learner asking for their own agency gets nothing."""
    bulk_learners(agency, series, 4)
    assert not selectors.enrollments_for_supervisor(supervisor=learner, agency=agency).exists()
    assert not selectors.agencies_for_supervisor(user=learner).exists()


def test_supervisors_are_not_listed_as_learners(agency, supervisor, series):
    """Only learner memberships count, even if a supervisor enrols."""
    course_services.enrollment_create(user=supervisor, series=series)
    assert not selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency).exists()


def test_only_the_latest_cycle_is_listed(agency, supervisor, learner, series):
    """A learner with two cycles appears once, with the newer cycle."""
    first = course_services.enrollment_create(user=learner, series=series)
    Enrollment.objects.filter(pk=first.pk).update(
        completed_at=timezone.now(), percent_complete=100, is_current=False
    )
    Enrollment.objects.create(user=learner, series=series, cycle=2)
    rows = list(selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency))
    assert [(r.cycle, r.status) for r in rows] == [(2, "not_started")]


def test_filters_search_and_sort(agency, supervisor, series):
    """Status, overdue, search and every sort work together; empty dates sort last."""
    bulk_learners(agency, series, 12)
    base = selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency)
    overdue = selectors.filter_enrollments(base, agency=agency, filters=Filters(overdue=True))
    assert set(overdue.values_list("status", flat=True)) == {"overdue"}
    assert overdue.count() == 3
    found = selectors.filter_enrollments(base, agency=agency, filters=Filters(q="bulk 0007"))
    assert list(found.values_list("user__full_name", flat=True)) == ["Learner bulk 0007"]
    by_status = list(
        selectors.filter_enrollments(base, agency=agency, filters=Filters()).values_list(
            "status", flat=True
        )
    )
    assert by_status[0] == "overdue" and by_status[-1] == "completed"
    completed_desc = list(
        selectors.filter_enrollments(
            base, agency=agency, filters=Filters(sort="completed", descending=True)
        ).values_list("completed_at", flat=True)
    )
    dated = [c for c in completed_desc if c]
    assert dated == sorted(dated, reverse=True)
    assert completed_desc[len(dated) :] == [None] * (len(completed_desc) - len(dated))
    for key in selectors.SORTS:
        assert (
            selectors.filter_enrollments(base, agency=agency, filters=Filters(sort=key)).count()
            == 12
        )


def test_series_summaries_count_each_status(agency, supervisor, series):
    """One row per series with counts that add up."""
    bulk_learners(agency, series, 20)
    base = selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency)
    (summary,), _ = selectors.dashboard_figures(base, agency=agency)
    assert summary.total == 20
    assert summary.counts == {"not_started": 5, "in_progress": 5, "completed": 5, "overdue": 5}
    assert summary.percent("overdue") == 25


def test_completions_per_week_cover_26_weeks_in_agency_time(agency, supervisor, series):
    """Every one of the 26 weeks is present; completions land in their week."""
    learners = [factories.learner_of(agency) for _ in range(3)]
    now = timezone.now()
    for i, user in enumerate(learners):
        Enrollment.objects.create(
            user=user,
            series=series,
            completed_at=now - timedelta(weeks=i * 2),
            percent_complete=100,
        )
    Enrollment.objects.create(
        user=factories.learner_of(agency),
        series=series,
        completed_at=now - timedelta(weeks=40),
        percent_complete=100,
    )
    base = selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency)
    _, weeks = selectors.dashboard_figures(base, agency=agency)
    assert len(weeks) == 26
    assert all(monday.weekday() == 0 for monday, _ in weeks)
    assert sum(n for _, n in weeks) == 3  # the one 40 weeks ago is outside the window
    assert weeks[-1][1] == 1


def test_learner_of_another_agency_is_a_404(agency, other_agency, supervisor, other_learner):
    """The drill-down selector does not confirm that another agency's learner exists."""
    with pytest.raises(Http404):
        selectors.learner_for_supervisor(supervisor=supervisor, learner_id=other_learner.pk)
    with pytest.raises(Http404):
        selectors.learner_for_supervisor(supervisor=supervisor, learner_id=999_999)


def test_a_supervisor_of_two_agencies_reaches_learners_of_both(
    agency, other_agency, supervisor, learner, other_learner
):
    """Membership in both agencies as supervisor opens both."""
    from accounts.services import membership_ensure

    membership_ensure(user=supervisor, agency=other_agency, role="supervisor")
    assert selectors.learner_for_supervisor(supervisor=supervisor, learner_id=other_learner.pk)
    assert [a.pk for a in selectors.agencies_for_supervisor(user=supervisor)] == sorted(
        [agency.pk, other_agency.pk],
        key=lambda pk: {agency.pk: agency.name, other_agency.pk: other_agency.name}[pk],
    )


def test_learners_enrolled_in_nothing_are_scoped_like_everything_else(
    agency, supervisor, other_supervisor, learner
):
    """The agency's own supervisor sees them; another agency's supervisor sees nobody."""
    mine = selectors.learners_without_enrollment(supervisor=supervisor, agency=agency)
    assert list(mine) == [learner]
    assert not selectors.learners_without_enrollment(supervisor=other_supervisor, agency=agency)


def test_status_in_python_agrees_with_the_database(agency, supervisor, series):
    """The drill-down's status rule and the table's are the same rule."""
    bulk_learners(agency, series, 12)
    today = agency.today()
    for enrollment in selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency):
        assert selectors.status_of(enrollment, today) == enrollment.status


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the hand-written aggregate is PostgreSQL's; SQLite uses the ORM's (set DATABASE_URL)",
)
def test_hand_written_aggregate_agrees_with_the_orm(agency, supervisor, series):
    """The dashboard's SQL on PostgreSQL gives the ORM's figures: every status, a due date of
    today and none, two series, completions either side of a Monday midnight in agency time."""
    agency.timezone = "America/Los_Angeles"
    agency.save()
    bulk_learners(agency, series, 24)
    other_series = factories.ComponentFactory(module__series__title="Another").module.series
    today = agency.today()
    zone = selectors.agency_zone(agency)
    monday = datetime.combine(today - timedelta(days=today.weekday()), time(0, 0), tzinfo=zone)
    for when, due_on, started in [
        (monday - timedelta(minutes=30), None, True),  # Sunday night there: the week before
        (monday + timedelta(minutes=30), today, True),
        (None, today, True),  # due today: not overdue yet
        (None, today - timedelta(days=1), False),
        (None, None, False),
    ]:
        Enrollment.objects.create(
            user=factories.learner_of(agency),
            series=other_series,
            due_on=due_on,
            started_at=timezone.now() if started else None,
            completed_at=when,
            percent_complete=100 if when else 0,
        )
    base = selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency)

    def rows(vendor):
        found = selectors._figure_rows(base, agency=agency, today=today, vendor=vendor)
        return sorted(
            (
                {**r, "week": r["week"].date() if isinstance(r["week"], datetime) else r["week"]}
                for r in found
            ),
            key=lambda r: (r["series_id"], r["week"] or date.min),
        )

    hand_written, orm = rows("postgresql"), rows("orm")
    assert hand_written == orm
    assert len(hand_written) >= 4  # both series, several weeks: a real comparison


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the one round trip is PostgreSQL's; SQLite reads the three apart (set DATABASE_URL)",
)
def test_dashboard_in_one_round_trip_agrees_with_its_reads_apart(
    agency, supervisor, series, rule, django_assert_num_queries
):
    """The dashboard's one ``execute`` (figures, behind-schedule list, training rules) gives
    what ``dashboard_figures``, ``behind_schedule`` and ``compliance_standing`` give apart."""

    from certificates.hours import compliance_standing

    bulk_learners(agency, series, 60)
    base = selectors._current_enrollments_supervised(supervisor=supervisor, agency=agency)
    apart = selectors.Dashboard(
        *selectors.dashboard_figures(base, agency=agency),
        behind=selectors.behind_schedule(base, agency=agency),
        as_of=timezone.now(),
        standings=compliance_standing(supervisor=supervisor, agency=agency),
    )
    # One round trip, then the rule's own reads (the supervision check, the learners, one
    # aggregate a rule).
    with django_assert_num_queries(4):
        together = selectors._dashboard_in_one_round_trip(
            supervisor=supervisor, agency=agency, db="default"
        )
    assert len(together.behind) == 10 and together.standings
    for name in ("weeks", "behind", "standings"):
        assert getattr(together, name) == getattr(apart, name), name
    assert [(s.series.pk, s.series.title, s.total, s.counts) for s in together.summaries] == [
        (s.series.pk, s.series.title, s.total, s.counts) for s in apart.summaries
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the compiled statement is kept on PostgreSQL only (set DATABASE_URL)",
)
def test_a_kept_dashboard_statement_still_checks_supervision_each_time(
    agency, other_agency, supervisor, other_supervisor, series
):
    """The statement compiled for a supervisor and agency is kept, but whether they supervise
    it is asked of the database on every read: a supervisor who lost the role (or one of
    another agency, asking) gets empty figures, no list and no standings."""
    from django.core.cache import cache

    from accounts.models import Membership

    bulk_learners(agency, series, 8)
    first = selectors.dashboard(supervisor=supervisor, agency=agency)
    assert sum(s.total for s in first.summaries) == 8 and first.behind
    assert (connection.alias, supervisor.pk, agency.pk) in selectors._compiled_dashboards
    Membership.objects.filter(user=supervisor, agency=agency).delete()
    cache.clear()
    after = selectors.dashboard(supervisor=supervisor, agency=agency)
    assert not after.summaries and not after.behind and not after.standings
    cache.clear()
    theirs = selectors.dashboard(supervisor=other_supervisor, agency=agency)
    assert not theirs.summaries and not theirs.behind
