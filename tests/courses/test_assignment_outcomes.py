"""Assignments that cover everyone, say what they did, and can be changed or cancelled."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db.models.signals import post_save

from accounts.models import Membership
from accounts.services import membership_ensure
from courses import services
from courses.assignments import (
    AssignmentRefused,
    assignment_cancel,
    assignment_change,
    assignment_create,
    refreshers_open,
)
from courses.dashboard import dashboard_key
from courses.models import Enrollment
from reminders import planner
from reminders.models import Reminder
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 21)


@pytest.fixture
def supervisor(agency):
    return factories.supervisor_of(agency)


def _complete(enrollment: Enrollment, when: datetime) -> None:
    Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=when, percent_complete=100)


def _assign(supervisor, agency, series, **kwargs):
    arguments = {"everyone": True, "due_in_days": 30, "today": TODAY, **kwargs}
    return assignment_create(supervisor=supervisor, agency=agency, series=series, **arguments)


def test_a_recurring_whole_agency_assignment_reaches_learners_who_completed(
    agency, supervisor, series, learner, settings
):
    """A learner who completed before the 12-month assignment gets it on that completion, so
    the refresher opens 12 months after it; the result names the refresher's due date."""
    settings.LMS_REFRESHER_OPENS_DAYS_BEFORE = 30
    own = services.enrollment_create(user=learner, series=series)
    _complete(own, datetime(2026, 6, 1, 15, tzinfo=UTC))
    assignment, outcome = _assign(supervisor, agency, series, recurrence_months=12)
    own.refresh_from_db()
    assert own.assignment_id == assignment.pk
    assert (outcome.completed, outcome.enrolled, outcome.covered) == (1, 0, 1)
    assert outcome.refresher_from == outcome.refresher_to == date(2027, 6, 1)
    assert "1 learner already completed it; next refresher due 1 Jun 2027" in outcome.describe()
    assert refreshers_open(agency=agency, today=date(2027, 5, 2)) == 1
    refresher = Enrollment.objects.get(user=learner, is_current=True)
    assert (refresher.cycle, refresher.due_on, refresher.assignment_id) == (
        2,
        date(2027, 6, 1),
        assignment.pk,
    )


def test_the_result_counts_every_kind_of_learner(agency, supervisor, series):
    """New, moved earlier, kept (own earlier date), completed: each counted, each explained."""
    new, moved, kept, done = (factories.learner_of(agency) for _ in range(4))
    services.enrollment_create(user=moved, series=series, due_on=TODAY + timedelta(days=90))
    services.enrollment_create(user=kept, series=series, due_on=TODAY + timedelta(days=5))
    _complete(
        services.enrollment_create(user=done, series=series), datetime(2026, 1, 5, tzinfo=UTC)
    )
    _, outcome = _assign(supervisor, agency, series)
    assert (outcome.enrolled, outcome.due_moved, outcome.due_kept, outcome.completed) == (
        1,
        1,
        1,
        1,
    )
    due = TODAY + timedelta(days=30)
    assert Enrollment.objects.get(user=new).due_on == due
    assert Enrollment.objects.get(user=moved).due_on == due
    assert Enrollment.objects.get(user=kept).due_on == TODAY + timedelta(days=5)
    text = outcome.describe()
    assert "1 learner newly enrolled, due 21 Dec 2026" in text
    assert "1 learner already enrolled: due date moved earlier to 21 Dec 2026" in text
    assert "keeps their own due date, which was already on or before 21 Dec 2026" in text
    assert "no refresher: the assignment does not recur" in text
    # The learner who kept an earlier date is still reminded: the assignment holds the cycle.
    assert Enrollment.objects.get(user=kept).assignment is not None


def test_a_completion_whose_refresher_is_already_due_opens_a_cycle_due_by_the_assignment(
    agency, supervisor, series, learner
):
    """Completed two years ago, assigned with an annual refresher: a new cycle opens now, due
    by the assignment's date; the old completion stays on record."""
    own = services.enrollment_create(user=learner, series=series)
    _complete(own, datetime(2024, 11, 1, tzinfo=UTC))
    assignment, outcome = _assign(supervisor, agency, series, recurrence_months=12)
    assert (outcome.reopened, outcome.completed) == (1, 0)
    cycles = list(Enrollment.objects.filter(user=learner).order_by("cycle"))
    assert [(e.cycle, e.is_current, e.completed_at is not None) for e in cycles] == [
        (1, False, True),
        (2, True, False),
    ]
    assert (cycles[1].due_on, cycles[1].assignment_id) == (TODAY + timedelta(30), assignment.pk)


def test_assigning_again_is_counted_as_unchanged(agency, supervisor, series, learner):
    """Repeating the enrolment of an assignment changes nothing and says so."""
    from courses.assignments import assignment_enrol

    assignment, _ = _assign(supervisor, agency, series)
    again = assignment_enrol(assignment=assignment, today=TODAY)
    assert (again.unchanged, again.enrolled, again.covered) == (1, 0, 1)


def test_changing_the_due_date_moves_every_unfinished_enrollment_of_the_assignment(
    agency, supervisor, series, learner
):
    """A new fixed date applies to the open cycles; completed ones are left alone."""
    finished = factories.learner_of(agency)
    assignment, _ = _assign(supervisor, agency, series)
    _complete(Enrollment.objects.get(user=finished), datetime(2026, 11, 20, tzinfo=UTC))
    moved = assignment_change(
        by=supervisor, assignment=assignment, due_on=date(2027, 2, 1), recurrence_months=24
    )
    assert moved == 1
    assert Enrollment.objects.get(user=learner).due_on == date(2027, 2, 1)
    assert Enrollment.objects.get(user=finished).due_on == TODAY + timedelta(days=30)
    assignment.refresh_from_db()
    assert (assignment.due_on, assignment.due_in_days, assignment.recurrence_months) == (
        date(2027, 2, 1),
        None,
        24,
    )


def test_cancelled_assignment_sends_nothing_opens_nothing_reaches_nobody_new(
    agency, supervisor, series, learner, settings
):
    """After cancelling: no reminder planned, no refresher opened, no newcomer enrolled; the
    enrollments and their history stay."""
    settings.LMS_REFRESHER_OPENS_DAYS_BEFORE = 60
    finished = factories.learner_of(agency)
    assignment, _ = assignment_create(
        supervisor=supervisor, agency=agency, series=series, today=TODAY, everyone=True,
        due_on=TODAY + timedelta(days=1), recurrence_months=1,
    )  # fmt: skip
    _complete(Enrollment.objects.get(user=finished), datetime(2026, 11, 1, tzinfo=UTC))
    assignment_cancel(by=supervisor, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.cancelled_at is not None and assignment.cancelled_by == supervisor

    planner.plan(now=datetime(2026, 11, 30, 15, tzinfo=UTC), ignore_window=True)
    assert not Reminder.objects.exists()
    assert refreshers_open(agency=agency, today=date(2026, 11, 30)) == 0
    newcomer = factories.learner_of(agency)
    assert not Enrollment.objects.filter(user=newcomer).exists()
    assert Enrollment.objects.filter(assignment=assignment).count() == 2
    with pytest.raises(AssignmentRefused, match="canceled"):
        assignment_change(by=supervisor, assignment=assignment, due_in_days=5)


def test_only_the_agencys_supervisors_or_staff_change_or_cancel(
    agency, other_agency, supervisor, series, learner
):
    """Another agency's supervisor and a learner are refused; staff (Django admin) may."""
    assignment, _ = _assign(supervisor, agency, series)
    for who in (factories.supervisor_of(other_agency), learner):
        with pytest.raises(AssignmentRefused):
            assignment_change(by=who, assignment=assignment, due_in_days=5)
        with pytest.raises(AssignmentRefused):
            assignment_cancel(by=who, assignment=assignment)
    assignment.refresh_from_db()
    assert assignment.cancelled_at is None and assignment.due_in_days == 30
    staff = factories.UserFactory(is_staff=True)
    assert assignment_cancel(by=staff, assignment=assignment).cancelled_by == staff


@pytest.mark.parametrize("action", ["create", "change", "cancel"])
def test_assignment_services_forget_the_dashboard_figures_on_commit(
    agency, supervisor, series, learner, action, django_capture_on_commit_callbacks
):
    """Whoever calls them (page, admin, seed), the agency's cached figures go after commit."""
    assignment = _assign(supervisor, agency, series)[0] if action != "create" else None
    cache.set(dashboard_key(agency), "stale figures")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        if action == "create":
            _assign(supervisor, agency, series, due_in_days=7)
        elif action == "change":
            assignment_change(by=supervisor, assignment=assignment, due_in_days=7)
        else:
            assignment_cancel(by=supervisor, assignment=assignment)
    assert cache.get(dashboard_key(agency)) == "stale figures"  # not before the commit
    for callback in callbacks:
        callback()
    assert cache.get(dashboard_key(agency)) is None


def test_a_new_learner_receives_assignments_from_the_membership_service_not_a_signal(
    agency, supervisor, series
):
    """No post_save receiver on Membership: the membership service itself gives a newcomer the
    agency's live whole-agency assignments."""
    assert not post_save.has_listeners(Membership)
    assignment, _ = _assign(supervisor, agency, series)
    newcomer = factories.UserFactory()
    membership_ensure(user=newcomer, agency=agency)
    assert Enrollment.objects.get(user=newcomer).assignment_id == assignment.pk
    # A supervisor joining is not a learner: nothing assigned.
    boss = factories.UserFactory()
    membership_ensure(user=boss, agency=agency, role=Membership.Role.SUPERVISOR)
    assert not Enrollment.objects.filter(user=boss).exists()


def test_a_learner_added_in_django_admin_receives_the_agencys_assignments(
    client, agency, supervisor, series
):
    """The admin's membership form calls the same follow-up as a verified email does."""
    assignment, _ = _assign(supervisor, agency, series)
    newcomer = factories.UserFactory()
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/accounts/membership/add/",
        {"user": newcomer.pk, "agency": agency.pk, "role": Membership.Role.LEARNER},
    )
    assert response.status_code == 302, response.content[:2000]
    assert Enrollment.objects.get(user=newcomer).assignment_id == assignment.pk
