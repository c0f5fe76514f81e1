"""The assignments page and its edit and cancel pages: what they say, who may use them."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from courses import services as course_services
from courses.assignments import assignment_create
from courses.dashboard import dashboard_key
from courses.models import Assignment, Enrollment
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(agency, supervisor, series, learner):
    made, _ = assignment_create(
        supervisor=supervisor, agency=agency, series=series, today=agency.today(),
        everyone=True, due_in_days=30,
    )  # fmt: skip
    return made


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_assign_message_says_what_happened_to_each_learner(
    supervisor_client, agency, series, learner
):
    """Newly enrolled and already completed are both named, with the refresher's date."""
    done = factories.learner_of(agency)
    own = course_services.enrollment_create(user=done, series=series)
    Enrollment.objects.filter(pk=own.pk).update(
        completed_at=datetime(2026, 3, 10, 15, tzinfo=UTC), percent_complete=100
    )
    response = supervisor_client.post(
        "/agency/assignments/new/",
        {"series": series.pk, "audience": "everyone", "due_rule": "days", "due_in_days": 21,
         "recurrence_months": 12},
        follow=True,
    )  # fmt: skip
    [message] = _messages(response)
    assert "1 learner newly enrolled" in message
    assert "1 learner already completed it; next refresher due 10 Mar 2027" in message


def test_the_list_never_says_nothing_is_assigned_while_learners_have_due_dates(
    supervisor_client, agency, series, learner
):
    """Before any assignment, the page says so and counts the unfinished enrollments with no
    assignment (they get no assignment reminders), instead of 'No series has been assigned'."""
    course_services.enrollment_create(
        user=learner, series=series, source=Enrollment.Source.ASSIGNED,
        due_on=agency.today() + timedelta(days=3),
    )  # fmt: skip
    page = supervisor_client.get("/agency/assignments/").content.decode()
    assert "No series has been assigned" not in page
    assert "No assignment has been made in Demo Police Department yet." in page
    assert "1 unfinished enrollment of Demo Police Department’s learners is not part" in page


def test_supervisor_changes_the_due_date_and_recurrence(supervisor_client, assignment, learner):
    """The edit page shows the current rule, saves the new one and says how many moved."""
    page = supervisor_client.get(f"/agency/assignments/{assignment.pk}/")
    assert page.context["form"].initial["due_in_days"] == 30
    due = assignment.agency.today() + timedelta(days=60)
    response = supervisor_client.post(
        f"/agency/assignments/{assignment.pk}/",
        {"due_rule": "date", "due_on": due.isoformat(), "recurrence_months": 12},
        follow=True,
    )
    assert "the due date of 1 unfinished enrollment changed" in _messages(response)[0]
    assignment.refresh_from_db()
    assert (assignment.due_on, assignment.recurrence_months) == (due, 12)
    assert Enrollment.objects.get(user=learner).due_on == due


def test_bad_input_on_the_edit_page_keeps_what_was_typed(supervisor_client, assignment):
    """A past date is named at its field, the typed values stay, nothing is saved."""
    response = supervisor_client.post(
        f"/agency/assignments/{assignment.pk}/",
        {"due_rule": "date", "due_on": "2000-01-01", "recurrence_months": "7"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "due_on" in form.errors
    assert 'value="2000-01-01"' in response.content.decode()
    assert 'value="7"' in response.content.decode()
    assignment.refresh_from_db()
    assert (assignment.due_on, assignment.due_in_days, assignment.recurrence_months) == (
        None,
        30,
        None,
    )


def test_cancel_asks_then_cancels_on_post(
    supervisor_client, supervisor, assignment, learner, django_capture_on_commit_callbacks
):
    """GET shows the confirmation and changes nothing; POST cancels, keeps the enrollments,
    forgets the dashboard and the list shows it as cancelled without its actions."""
    confirm = supervisor_client.get(f"/agency/assignments/{assignment.pk}/cancel/")
    assert b"Cancel the assignment" in confirm.content
    assignment.refresh_from_db()
    assert assignment.cancelled_at is None
    cache.set(dashboard_key(assignment.agency), "stale")
    with django_capture_on_commit_callbacks(execute=True):
        response = supervisor_client.post(
            f"/agency/assignments/{assignment.pk}/cancel/", follow=True
        )
    assert "canceled: no more reminders or refreshers" in _messages(response)[0]
    assignment.refresh_from_db()
    assert assignment.cancelled_by == supervisor
    assert cache.get(dashboard_key(assignment.agency)) is None
    assert Enrollment.objects.get(user=learner).assignment == assignment
    page = response.content.decode()
    assert "Canceled" in page
    assert f"/agency/assignments/{assignment.pk}/cancel/" not in page
    # A cancelled assignment can no longer be changed.
    again = supervisor_client.post(
        f"/agency/assignments/{assignment.pk}/", {"due_rule": "days", "due_in_days": 9}
    )
    assert again.status_code == 302
    assignment.refresh_from_db()
    assert assignment.due_in_days == 30


@pytest.mark.parametrize("path", ["", "cancel/"])
def test_another_agencys_supervisor_gets_404_and_changes_nothing(
    client, settings, other_supervisor, assignment, path
):
    """An assignment of another agency is a 404, whether it exists or not."""
    settings.LMS_REQUIRE_MFA = False
    client.force_login(other_supervisor)
    url = f"/agency/assignments/{assignment.pk}/{path}"
    assert client.get(url).status_code == 404
    assert client.post(url, {"due_rule": "days", "due_in_days": 1}).status_code == 404
    assert client.get(f"/agency/assignments/{assignment.pk + 999}/{path}").status_code == 404
    assignment.refresh_from_db()
    assert assignment.cancelled_at is None and assignment.due_in_days == 30


@pytest.mark.parametrize("path", ["", "cancel/"])
def test_learners_are_refused_and_anonymous_users_sent_to_sign_in(
    client, settings, learner, assignment, path
):
    """Learners get 403; anonymous users go to the login page; nothing changes."""
    settings.LMS_REQUIRE_MFA = False
    url = f"/agency/assignments/{assignment.pk}/{path}"
    anonymous = client.post(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(learner)
    assert client.get(url).status_code == 403
    assert client.post(url, {"due_rule": "days", "due_in_days": 1}).status_code == 403
    assert Assignment.objects.get().cancelled_at is None


def test_the_admin_says_what_an_assignment_did(client, agency, series, learner):
    """Django admin shows the same counts as the supervisor's page."""
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/courses/assignment/add/",
        {"agency": agency.pk, "series": series.pk, "everyone": "on", "due_in_days": "9"},
        follow=True,
    )
    assert any("1 learner newly enrolled" in m for m in _messages(response))


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_lists_a_learner_enrolled_in_nothing_once(
    supervisor_client, agency, series, learner
):
    """One row per learner and series, then each learner enrolled in nothing, once, with an
    empty series and status not_started; a filter on a series leaves them out."""
    course_services.enrollment_create(user=learner, series=series)
    idle = factories.learner_of(agency, email="idle@example.org", full_name="Ethan Morales")
    rows = _csv(supervisor_client.get("/agency/export.csv"))
    idle_rows = [row for row in rows if row[2] == idle.email]
    agency_name, name, email, empty_series = agency.name, "Ethan Morales", idle.email, ""
    assert idle_rows == [[agency_name, name, email, empty_series, "not_started", "0", "", "", ""]]
    assert len(rows) == 3
    by_series = _csv(supervisor_client.get(f"/agency/export.csv?series={series.pk}"))
    assert [row[2] for row in by_series[1:]] == [learner.email]
    by_name = _csv(supervisor_client.get("/agency/export.csv?q=morales&status=not_started"))
    assert [row[2] for row in by_name[1:]] == [idle.email]
