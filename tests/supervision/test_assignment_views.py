from datetime import timedelta

import pytest
from django.contrib.admin.sites import site  # noqa: F401 (admin registered)

from courses.models import Assignment, Enrollment
from tests import factories

pytestmark = pytest.mark.django_db


def _post(client, **data):
    return client.post("/agency/assignments/new/", data)


def test_supervisor_assigns_the_whole_agency(supervisor_client, agency, series, learner):
    """The form assigns, enrols, and the list shows it."""
    response = _post(
        supervisor_client, series=series.pk, audience="everyone", due_rule="days", due_in_days=21,
        recurrence_months=12,
    )  # fmt: skip
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.everyone, assignment.due_in_days, assignment.recurrence_months) == (
        True,
        21,
        12,
    )
    enrollment = Enrollment.objects.get(user=learner)
    assert enrollment.due_on == agency.today() + timedelta(days=21)
    listing = supervisor_client.get("/agency/assignments/")
    assert series.title.encode() in listing.content
    assert b"Every 12 months" in listing.content


def test_chosen_learners_by_email_and_unknown_addresses_named(
    supervisor_client, agency, series, learner, other_learner
):
    """Emails are matched to the agency's learners; strangers are named and nothing is saved."""
    response = _post(
        supervisor_client, series=series.pk, audience="chosen",
        learner_emails=f"{learner.email}, {other_learner.email}\nnobody@example.org",
        due_rule="days", due_in_days=7,
    )  # fmt: skip
    assert response.status_code == 200
    form = response.context["form"]
    assert "nobody@example.org" in str(form.errors["learner_emails"])
    assert other_learner.email in str(form.errors["learner_emails"])
    assert not Assignment.objects.exists()
    ok = _post(
        supervisor_client, series=series.pk, audience="chosen",
        learner_emails=learner.email.upper(), due_rule="days", due_in_days=7,
    )  # fmt: skip
    assert ok.status_code == 302
    assert list(Enrollment.objects.values_list("user_id", flat=True)) == [learner.pk]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"due_rule": "date"}, "due_on"),
        ({"due_rule": "date", "due_on": "2000-01-01"}, "due_on"),
        ({"due_rule": "days", "due_in_days": ""}, "due_in_days"),
        ({"due_rule": "days", "due_in_days": "0"}, "due_in_days"),
        ({"due_rule": "days", "due_in_days": "7", "recurrence_months": "500"}, "recurrence_months"),
        ({"due_rule": "days", "due_in_days": "7", "audience": "chosen"}, "learner_emails"),
    ],
)
def test_bad_input_is_explained_on_the_form(supervisor_client, series, data, field):
    """Each mistake is named at its field and nothing is assigned."""
    response = _post(supervisor_client, **{"series": series.pk, "audience": "everyone", **data})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Assignment.objects.exists()


def test_learners_cannot_assign(client, learner, series, settings):
    """The pages are the supervisors'."""
    settings.LMS_REQUIRE_MFA = False
    client.force_login(learner)
    assert client.get("/agency/assignments/").status_code == 403
    assert _post(client, series=series.pk, audience="everyone", due_rule="days",
                 due_in_days=3).status_code == 403  # fmt: skip
    assert not Assignment.objects.exists()


def test_another_agency_assignment_is_not_listed(supervisor_client, other_agency, series):
    """Assignments of an agency the supervisor does not supervise stay out of sight."""
    Assignment.objects.create(agency=other_agency, series=series, everyone=True, due_in_days=5)
    response = supervisor_client.get(f"/agency/assignments/?agency={other_agency.slug}")
    assert response.context["assignments"] == []


def test_an_assignment_made_in_the_admin_enrols_its_learners(client, agency, series, learner):
    """Django admin is the other way to assign; it enrols the same way."""
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.post(
        "/admin/courses/assignment/add/",
        {"agency": agency.pk, "series": series.pk, "everyone": "on", "due_in_days": "9"},
    )
    assert response.status_code == 302, response.content[:2000]
    assert Enrollment.objects.get(user=learner).assignment == Assignment.objects.get()
