import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import membership_ensure
from courses import services
from courses.assignments import AssignmentRefused, assignment_create
from courses.models import Enrollment, Series
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 21)


@pytest.fixture
def supervisor(agency):
    return factories.supervisor_of(agency)


def test_whole_agency_assignment_enrols_every_learner_with_the_due_date(
    agency, supervisor, series, learner
):
    """Every learner of the agency gets an assigned enrollment due N days from today."""
    others = [factories.learner_of(agency) for _ in range(3)]
    assignment, outcome = assignment_create(
        supervisor=supervisor, agency=agency, series=series, today=TODAY, everyone=True,
        due_in_days=30,
    )  # fmt: skip
    assert (outcome.enrolled, outcome.covered) == (4, 4)
    rows = Enrollment.objects.filter(series=series)
    assert {e.user_id for e in rows} == {learner.pk, *(u.pk for u in others)}
    assert {(e.source, e.due_on, e.assignment_id) for e in rows} == {
        ("assigned", TODAY + timedelta(days=30), assignment.pk)
    }
    assert not rows.filter(user=supervisor).exists()  # supervisors are not learners here


def test_chosen_learners_only(agency, supervisor, series, learner):
    """Only the chosen learners are enrolled, by a fixed date."""
    bystander = factories.learner_of(agency)
    _, outcome = assignment_create(
        supervisor=supervisor, agency=agency, series=series, today=TODAY, learners=[learner],
        due_on=date(2027, 1, 31),
    )  # fmt: skip
    assert (outcome.enrolled, outcome.covered) == (1, 1)
    assert Enrollment.objects.get(user=learner).due_on == date(2027, 1, 31)
    assert not Enrollment.objects.filter(user=bystander).exists()


def test_an_existing_unfinished_enrollment_takes_the_assignment_and_keeps_its_progress(
    agency, supervisor, series, learner
):
    """A self-enrolled learner keeps their progress; the assignment's due date applies."""
    own = services.enrollment_create(user=learner, series=series)
    reading = series.modules.get(slug="understanding").components.get(slug="reading")
    services.progress_record(user=learner, component=reading)
    assignment, outcome = assignment_create(
        supervisor=supervisor, agency=agency, series=series, today=TODAY, everyone=True,
        due_in_days=10,
    )  # fmt: skip
    assert (outcome.enrolled, outcome.due_moved) == (0, 1)
    own.refresh_from_db()
    assert (own.assignment_id, own.source, own.due_on) == (
        assignment.pk,
        "assigned",
        TODAY + timedelta(days=10),
    )
    assert own.percent_complete == 25


def test_a_completed_cycle_stays_completed_and_takes_the_assignment(
    agency, supervisor, series, learner
):
    """Training already completed is not reopened; the completed cycle is linked to the
    assignment and the result counts it as completed (not as nothing)."""
    own = services.enrollment_create(user=learner, series=series)
    Enrollment.objects.filter(pk=own.pk).update(completed_at=timezone.now(), percent_complete=100)
    assignment, outcome = assignment_create(
        supervisor=supervisor, agency=agency, series=series, today=TODAY, everyone=True,
        due_in_days=10,
    )  # fmt: skip
    assert (outcome.enrolled, outcome.completed, outcome.covered) == (0, 1, 1)
    own.refresh_from_db()
    assert own.assignment_id == assignment.pk and own.completed_at is not None
    assert own.is_current and Enrollment.objects.filter(user=learner).count() == 1


def test_learners_who_join_later_receive_whole_agency_assignments(agency, supervisor, series):
    """A new member of the agency is enrolled at once; chosen-learner assignments do not spread."""
    assignment_create(
        supervisor=supervisor, agency=agency, series=series, today=TODAY, everyone=True,
        due_in_days=14,
    )  # fmt: skip
    other_series = factories.SeriesFactory()
    chosen = factories.learner_of(agency)
    assignment_create(
        supervisor=supervisor, agency=agency, series=other_series, today=TODAY, learners=[chosen],
        due_in_days=14,
    )  # fmt: skip
    newcomer = factories.UserFactory()
    membership_ensure(user=newcomer, agency=agency)
    mine = Enrollment.objects.filter(user=newcomer)
    assert [e.series_id for e in mine] == [series.pk]
    agency_today = timezone.localdate(timezone=zoneinfo.ZoneInfo(agency.timezone))
    assert mine.get().due_on == agency_today + timedelta(days=14)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"due_on": date(2027, 1, 1), "due_in_days": 5}, "either a due date or"),
        ({"due_in_days": None}, "either a due date or"),
        ({"everyone": False}, "Choose the learners"),
    ],
)
def test_bad_assignments_are_refused(agency, supervisor, series, change, message):
    """Contradictory or empty assignments are refused with a clear reason."""
    arguments = {"everyone": True, "due_in_days": 5, **change}
    with pytest.raises(AssignmentRefused, match=message):
        assignment_create(
            supervisor=supervisor, agency=agency, series=series, today=TODAY, **arguments
        )
    assert not Enrollment.objects.exists()


def test_only_the_agencys_supervisors_assign_and_only_its_learners(
    agency, other_agency, supervisor, series, learner, other_learner
):
    """A supervisor of another agency, a learner, or a stranger in the list: refused."""
    outsider = factories.supervisor_of(other_agency)
    for who in (outsider, learner):
        with pytest.raises(AssignmentRefused):
            assignment_create(
                supervisor=who, agency=agency, series=series, today=TODAY, everyone=True,
                due_in_days=5,
            )  # fmt: skip
    with pytest.raises(AssignmentRefused, match="not learners of this agency"):
        assignment_create(
            supervisor=supervisor, agency=agency, series=series, today=TODAY,
            learners=[other_learner], due_in_days=5,
        )  # fmt: skip
    series.status = Series.Status.DRAFT
    series.save()
    with pytest.raises(AssignmentRefused, match="published"):
        assignment_create(
            supervisor=supervisor, agency=agency, series=series, today=TODAY, everyone=True,
            due_in_days=5,
        )  # fmt: skip
    assert not Enrollment.objects.exists()


def test_whole_agency_assignment_makes_no_query_per_learner(agency, supervisor, series):
    """Ten learners or two hundred: the same queries (SQLite splits a bulk INSERT into several
    statements by its parameter limit, so INSERTs are compared apart)."""
    counts = []
    for size in (10, 200):
        target = factories.AgencyFactory()
        boss = factories.supervisor_of(target)
        for _ in range(size):
            membership_ensure(user=factories.UserFactory(), agency=target)
        with CaptureQueriesContext(connection) as queries:
            _, outcome = assignment_create(
                supervisor=boss, agency=target, series=series, today=TODAY, everyone=True,
                due_in_days=5,
            )  # fmt: skip
        assert outcome.enrolled == size
        statements = [q["sql"] for q in queries.captured_queries]
        counts.append(sum(1 for sql in statements if not sql.startswith("INSERT")))
    assert counts[0] == counts[1], counts


def test_home_says_when_a_completed_recurring_assignment_is_due_again(
    client, agency, learner, series
):
    """Between cycles the learner sees the completion and the refresher's due date."""
    supervisor = factories.supervisor_of(agency)
    assignment_create(
        supervisor=supervisor, agency=agency, series=series, today=date(2026, 1, 10),
        everyone=True, due_in_days=30, recurrence_months=12,
    )  # fmt: skip
    Enrollment.objects.filter(user=learner).update(
        completed_at=datetime(2026, 1, 31, 15, tzinfo=UTC), percent_complete=100
    )
    client.force_login(learner)
    page = client.get("/").content.decode()
    assert "Completed 31 Jan 2026" in page
    assert "Refresher due 31 Jan 2027" in page
