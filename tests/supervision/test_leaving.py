"""A supervisor removes a learner from the agency: the records stay, the agency's hold ends."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AgencyDomain, Membership
from accounts.services import MembershipRefused, membership_join_by_email_domain, membership_remove
from audit.models import AuditEvent
from certificates.models import Certificate
from courses import services as course_services
from courses.assignments import assignment_create, refreshers_open
from courses.models import Enrollment, Progress
from reminders import planner, sending
from reminders.models import Reminder
from tests import factories
from tests.certificates.conftest import finish

pytestmark = pytest.mark.django_db


def _assign(supervisor, agency, series, *, everyone=True, learners=(), **kwargs):
    assignment, _ = assignment_create(
        supervisor=supervisor,
        agency=agency,
        series=series,
        today=agency.today(),
        everyone=everyone,
        learners=learners,
        **({"due_in_days": 30} | kwargs),
    )
    return assignment


def _overdue(learner, series):
    """The learner's assigned enrollment, made overdue, so the planner has something to say."""
    Enrollment.objects.filter(user=learner, series=series).update(
        due_on=timezone.localdate() - timedelta(days=3)
    )


def _remove(client, learner, agency):
    return client.post(f"/agency/learners/{learner.pk}/remove/", {"agency": agency.slug})


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- the pages --------------------------------------------------------------------------


def test_the_drill_down_offers_the_removal_and_the_page_says_what_will_happen(
    supervisor_client, supervisor, agency, series, learner
):
    _assign(supervisor, agency, series)
    detail = supervisor_client.get(f"/agency/learners/{learner.pk}/")
    assert f"/agency/learners/{learner.pk}/remove/?agency={agency.slug}".encode() in detail.content
    page = supervisor_client.get(f"/agency/learners/{learner.pk}/remove/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Remove Jordan Ellis from Demo Police Department?" in text
    assert "1 unfinished series the agency assigned is no longer required" in text
    assert "and their certificates" in text and "What is kept" in text
    # Opening the page changes nothing.
    assert Membership.objects.filter(user=learner, agency=agency).exists()


def test_removal_keeps_the_records_and_ends_the_agencys_hold(
    supervisor_client, supervisor, agency, series, learner, django_capture_on_commit_callbacks
):
    """Membership gone; enrollment, progress, completion and certificate kept; the open
    assigned enrollment is no longer due nor linked; queued reminders cancelled; audited."""
    other = factories.SeriesFactory(slug="firearms", title="Firearms")
    factories.ComponentFactory(module=factories.ModuleFactory(series=other))
    done = finish(learner, other)
    _assign(supervisor, agency, series)
    reading = series.modules.get(position=1).components.get(slug="reading")
    course_services.progress_record(user=learner, component=reading)
    _overdue(learner, series)
    planner.plan(ignore_window=True)
    queued = Reminder.objects.get(recipient=learner, kind=Reminder.Kind.OVERDUE)
    certificate = Certificate.objects.get(user=learner)

    with django_capture_on_commit_callbacks(execute=True):
        response = _remove(supervisor_client, learner, agency)
    assert response.status_code == 302
    assert response["Location"] == f"/agency/learners/?agency={agency.slug}"

    assert not Membership.objects.filter(user=learner, agency=agency).exists()
    enrollment = Enrollment.objects.get(user=learner, series=series)
    assert (enrollment.assignment_id, enrollment.due_on) == (None, None)
    assert enrollment.source == Enrollment.Source.ASSIGNED  # how it began stays on record
    assert Progress.objects.filter(enrollment=enrollment, component=reading).exists()
    done.refresh_from_db()
    assert done.completed_at is not None
    certificate.refresh_from_db()
    assert certificate.is_valid
    queued.refresh_from_db()
    assert queued.status == Reminder.Status.CANCELLED
    assert "left the agency" in queued.last_error

    event = AuditEvent.objects.get(action="membership.removed")
    assert (event.outcome, event.actor_id, event.target_id) == (
        "success",
        supervisor.pk,
        str(learner.pk),
    )
    assert event.ip == "127.0.0.1"
    assert event.details["agency"] == agency.slug
    assert event.details["role"] == "learner"
    assert event.details["enrollments_open_released"] == 1
    assert event.details["reminders_cancelled"] == 1
    assert "joined_at" in event.details
    assert "Jordan" not in str(event.details)  # ids and labels, no learner data


def test_the_learner_still_sees_their_own_records_after_removal(
    client, supervisor, agency, series, learner
):
    finish(learner, series)
    membership_remove(membership=Membership.objects.get(user=learner), by=supervisor)
    client.force_login(learner)
    code = Certificate.objects.get(user=learner).code
    assert code.encode() in client.get("/certificates/").content
    assert client.get(f"/certificates/{code}.pdf").status_code == 200
    assert series.title.encode() in client.get("/transcript/").content


def test_a_removed_learner_is_listed_nowhere_for_the_agencys_supervisors(
    supervisor_client, supervisor, agency, series, learner
):
    factories.learner_of(agency, email="stays@example.org", full_name="Stays Here")
    _assign(supervisor, agency, series)
    finish(learner, series)
    membership_remove(membership=Membership.objects.get(user=learner), by=supervisor)

    assert supervisor_client.get(f"/agency/learners/{learner.pk}/").status_code == 404
    assert supervisor_client.get(f"/agency/learners/{learner.pk}/transcript/").status_code == 404
    table = supervisor_client.get("/agency/learners/").content.decode()
    assert "learner@example.org" not in table and "stays@example.org" in table
    unenrolled = supervisor_client.get("/agency/learners/?show=unenrolled").content.decode()
    assert "learner@example.org" not in unenrolled
    exported = _csv(supervisor_client.get("/agency/export.csv"))
    assert [row[2] for row in exported[1:]] == ["stays@example.org"]
    for name in ("hours", "roster"):
        rows = _csv(supervisor_client.get(f"/agency/{name}.csv"))
        assert not any("learner@example.org" in row for row in rows), name
    dashboard = supervisor_client.get("/agency/").content.decode()
    assert "Jordan Ellis" not in dashboard
    assert supervisor_client.get("/agency/compliance/").status_code == 200


def test_the_planner_and_the_sender_send_the_removed_learner_nothing_from_the_agency(
    supervisor, agency, series, learner
):
    _assign(supervisor, agency, series)
    _overdue(learner, series)
    membership_remove(membership=Membership.objects.get(user=learner), by=supervisor)
    planner.plan(ignore_window=True)
    assert not Reminder.objects.filter(recipient=learner, status=Reminder.Status.QUEUED).exists()
    # A row the planner wrote a moment before the removal committed is stopped at sending.
    enrollment = Enrollment.objects.get(user=learner, series=series)
    late = Reminder.objects.create(
        recipient=learner, enrollment=enrollment, agency=agency, kind="overdue", step=1, cycle=1
    )
    assert sending.send_one(late.pk) == "cancelled"
    late.refresh_from_db()
    assert late.status == Reminder.Status.CANCELLED


def test_a_learner_of_two_agencies_keeps_the_other_agencys_reminders(
    supervisor, agency, other_agency, series, learner
):
    """Removed from one agency, the learner still hears of the other's assignments, never of
    the first's (through the second agency's planning either)."""
    Membership.objects.create(user=learner, agency=other_agency)
    boss = factories.supervisor_of(other_agency)
    firearms = factories.SeriesFactory(slug="firearms", title="Firearms")
    factories.ComponentFactory(module=factories.ModuleFactory(series=firearms))
    _assign(supervisor, agency, series)
    _assign(boss, other_agency, firearms, everyone=False, learners=[learner])
    _overdue(learner, series)
    _overdue(learner, firearms)
    membership_remove(membership=Membership.objects.get(user=learner, agency=agency), by=supervisor)
    planner.plan(ignore_window=True)
    planned = Reminder.objects.filter(recipient=learner, status=Reminder.Status.QUEUED)
    assert {(r.agency_id, r.enrollment.series_id) for r in planned} == {
        (other_agency.pk, firearms.pk)
    }


def test_whole_agency_assignments_made_later_do_not_reach_a_removed_learner(
    supervisor, agency, series, learner
):
    membership_remove(membership=Membership.objects.get(user=learner), by=supervisor)
    _assign(supervisor, agency, series)
    assert not Enrollment.objects.filter(user=learner).exists()


def test_an_assignment_that_named_the_learner_no_longer_does(supervisor, agency, series, learner):
    assignment = _assign(supervisor, agency, series, everyone=False, learners=[learner])
    membership_remove(membership=Membership.objects.get(user=learner), by=supervisor)
    assert not assignment.learners.exists()
    assert not assignment.enrollments.filter(is_current=True).exists()


def test_no_refresher_opens_from_the_agency_after_removal(supervisor, agency, series, learner):
    _assign(supervisor, agency, series, recurrence_months=12)
    enrollment = finish(learner, series)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        completed_at=timezone.now() - timedelta(days=360)
    )
    membership_remove(membership=Membership.objects.get(user=learner), by=supervisor)
    assert refreshers_open(agency=agency, today=agency.today()) == 0
    assert Enrollment.objects.filter(user=learner, series=series).count() == 1


def test_a_removed_learner_who_verifies_an_agency_address_again_rejoins_as_a_newcomer(
    supervisor, agency, series, learner
):
    _assign(supervisor, agency, series)
    membership_remove(membership=Membership.objects.get(user=learner), by=supervisor)
    AgencyDomain.objects.create(agency=agency, domain="example.org", verified=True)
    membership = membership_join_by_email_domain(user=learner, email="jordan@example.org")
    assert membership is not None and membership.role == Membership.Role.LEARNER
    enrollment = Enrollment.objects.get(user=learner, series=series)
    assert enrollment.assignment is not None and enrollment.due_on is not None
    added = AuditEvent.objects.filter(action="membership.added", target_id=str(learner.pk))
    assert added.latest("id").details["via"] == "email domain"


# --- who may -----------------------------------------------------------------------------


def test_a_supervisor_cannot_remove_another_agencys_learner(
    supervisor_client, other_learner, other_agency
):
    assert supervisor_client.get(f"/agency/learners/{other_learner.pk}/remove/").status_code == 404
    assert _remove(supervisor_client, other_learner, other_agency).status_code == 404
    assert Membership.objects.filter(user=other_learner, agency=other_agency).exists()
    refused = AuditEvent.objects.filter(action="membership.removed")
    assert not refused.filter(outcome="success").exists()


def test_a_supervisor_cannot_remove_a_fellow_supervisor_or_themselves(
    supervisor_client, supervisor, agency
):
    """Both are a 404, as on the drill-down: only learners of the agency have these pages."""
    fellow = factories.supervisor_of(agency)
    for person in (fellow, supervisor):
        assert supervisor_client.get(f"/agency/learners/{person.pk}/remove/").status_code == 404
        assert _remove(supervisor_client, person, agency).status_code == 404
    assert Membership.objects.filter(agency=agency, role="supervisor").count() == 2


def test_the_service_refuses_and_audits_what_the_pages_never_offer(
    supervisor, agency, learner, other_agency
):
    fellow = factories.supervisor_of(agency)
    stranger = factories.supervisor_of(other_agency)
    cases = [
        (Membership.objects.get(user=fellow), supervisor, "Supervisors are removed"),
        (Membership.objects.get(user=supervisor), supervisor, "cannot remove yourself"),
        (Membership.objects.get(user=learner), stranger, "Only the agency's supervisors"),
        (Membership.objects.get(user=learner), learner, "Only the agency's supervisors"),
    ]
    for membership, by, why in cases:
        with pytest.raises(MembershipRefused, match=why):
            membership_remove(membership=membership, by=by)
    assert Membership.objects.filter(agency=agency).count() == 3
    refused = AuditEvent.objects.filter(action="membership.removed", outcome="refused")
    assert refused.count() == len(cases)


@pytest.mark.parametrize("who", ["learner", "author"])
def test_learners_and_authors_cannot_use_the_removal(client, learner, who, settings):
    settings.LMS_REQUIRE_MFA = False
    client.force_login(learner if who == "learner" else factories.author())
    assert client.get(f"/agency/learners/{learner.pk}/remove/").status_code == 403
    assert client.post(f"/agency/learners/{learner.pk}/remove/").status_code == 403
    assert Membership.objects.filter(user=learner).exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, learner):
    response = client.post(f"/agency/learners/{learner.pk}/remove/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Membership.objects.filter(user=learner).exists()


def test_removing_twice_removes_once(supervisor, agency, learner):
    membership = Membership.objects.get(user=learner)
    membership_remove(membership=membership, by=supervisor)
    assert membership_remove(membership=membership, by=supervisor) == {}
    assert AuditEvent.objects.filter(action="membership.removed").count() == 1


# --- each agency speaks for its own assignments -------------------------------------------


def test_the_planner_reminds_of_an_assignment_only_through_its_own_agency(
    agency, other_agency, series, learner
):
    """A learner of two agencies hears of the second's assignment as the second's (the
    first, planned earlier, must not take it as its own: leaving the second would not end it)."""
    Membership.objects.create(user=learner, agency=other_agency)
    boss = factories.supervisor_of(other_agency)
    _assign(boss, other_agency, series, everyone=False, learners=[learner])
    _overdue(learner, series)
    assert agency.pk < other_agency.pk  # the planner goes through agencies by id
    planner.plan(ignore_window=True)
    assert {r.agency_id for r in Reminder.objects.filter(recipient=learner)} == {other_agency.pk}


def test_refreshers_open_only_through_the_assigning_agency(agency, other_agency, series, learner):
    Membership.objects.create(user=learner, agency=other_agency)
    boss = factories.supervisor_of(other_agency)
    _assign(boss, other_agency, series, everyone=False, learners=[learner], recurrence_months=12)
    enrollment = finish(learner, series)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        completed_at=timezone.now() - timedelta(days=360)
    )
    assert refreshers_open(agency=agency, today=agency.today()) == 0
    assert refreshers_open(agency=other_agency, today=other_agency.today()) == 1
