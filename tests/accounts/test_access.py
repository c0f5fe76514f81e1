"""Staff end and restore access: deactivation (sessions ended, no sign-in, no reminders),
reactivation, and membership, staff-flag and group edits in Django admin, each audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.models import AUTHORS_GROUP, Membership
from accounts.services import AccountRefused, user_deactivate, user_reactivate
from audit.models import AuditEvent
from courses.assignments import assignment_create
from courses.models import Enrollment
from reminders import planner, sending
from reminders.models import Reminder
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return factories.UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff, settings):
    settings.LMS_REQUIRE_MFA = False
    client.force_login(staff)
    return client


def _sign_in(client: Client, email: str):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


def _overdue_assignment(agency, learner, series):
    boss = factories.supervisor_of(agency)
    assignment_create(
        supervisor=boss, agency=agency, series=series, today=agency.today(), everyone=True,
        due_in_days=1,
    )  # fmt: skip
    Enrollment.objects.filter(user=learner).update(due_on=timezone.localdate() - timedelta(3))


# --- the services ---------------------------------------------------------------------------


def test_deactivation_ends_sessions_at_once_and_refuses_sign_in(staff, learner):
    browser = Client()
    assert _sign_in(browser, learner.email).status_code == 302
    assert browser.get("/series/").status_code == 200
    elsewhere = Client()
    elsewhere.force_login(learner)
    bystander = Client()
    bystander.force_login(factories.UserFactory())

    user_deactivate(user=learner, by=staff, reason="Left the department")

    for session in (browser, elsewhere):
        response = session.get("/series/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert bystander.get("/series/").status_code == 200  # other people's sessions stay
    assert Session.objects.count() == 1
    again = Client()
    _sign_in(again, learner.email)
    assert "_auth_user_id" not in again.session
    event = AuditEvent.objects.get(action="user.deactivated")
    assert (event.actor_id, event.target_id, event.outcome) == (
        staff.pk,
        str(learner.pk),
        "success",
    )
    assert event.details["reason"] == "Left the department"
    assert event.details["sessions_ended"] == 2


def test_a_deactivated_account_gets_no_reminders(staff, agency, learner, series):
    _overdue_assignment(agency, learner, series)
    planner.plan(ignore_window=True)
    queued = Reminder.objects.get(recipient=learner)
    user_deactivate(user=learner, by=staff, reason="Suspended")
    queued.refresh_from_db()
    assert queued.status == Reminder.Status.CANCELLED and "deactivated" in queued.last_error
    # Planned no more; a row written a moment before is stopped by the sender.
    Reminder.objects.all().delete()
    planner.plan(ignore_window=True)
    assert not Reminder.objects.filter(recipient=learner).exists()
    late = Reminder.objects.create(
        recipient=learner,
        enrollment=Enrollment.objects.get(user=learner),
        agency=agency,
        kind=Reminder.Kind.OVERDUE,
        step=1,
        cycle=1,
    )
    assert sending.send_one(late.pk) == "cancelled"
    assert AuditEvent.objects.get(action="user.deactivated").details["reminders_cancelled"] == 1


def test_a_deactivated_supervisor_gets_no_digest(staff, agency, learner, series):
    _overdue_assignment(agency, learner, series)
    boss = Membership.objects.get(agency=agency, role="supervisor").user
    user_deactivate(user=boss, by=staff, reason="Retired")
    monday = timezone.now() + timedelta(days=(7 - timezone.localdate().weekday()) % 7)
    planner.plan(now=monday, ignore_window=True)
    assert not Reminder.objects.filter(recipient=boss).exists()


def test_reactivation_lets_the_user_sign_in_again_and_is_audited(staff, learner):
    user_deactivate(user=learner, by=staff, reason="Suspended")
    user_reactivate(user=learner, by=staff)
    learner.refresh_from_db()
    assert learner.is_active
    browser = Client()
    _sign_in(browser, learner.email)
    assert browser.session["_auth_user_id"] == str(learner.pk)
    assert AuditEvent.objects.filter(action="user.reactivated", outcome="success").count() == 1
    assert Membership.objects.filter(user=learner).exists()  # memberships never ended


def test_only_staff_deactivate_and_never_themselves(staff, learner, agency):
    supervisor = factories.supervisor_of(agency)
    for by, target in ((supervisor, learner), (learner, learner), (staff, staff)):
        with pytest.raises(AccountRefused):
            user_deactivate(user=target, by=by, reason="Because")
    with pytest.raises(AccountRefused):
        user_reactivate(user=learner, by=supervisor)
    learner.refresh_from_db()
    staff.refresh_from_db()
    assert learner.is_active and staff.is_active
    assert AuditEvent.objects.filter(outcome="refused").count() == 4


def test_deactivation_needs_a_reason(staff, learner):
    with pytest.raises(AccountRefused, match="reason"):
        user_deactivate(user=learner, by=staff, reason="  ")
    learner.refresh_from_db()
    assert learner.is_active


# --- Django admin: the user ----------------------------------------------------------------


def test_admin_deactivates_with_a_reason_then_reactivates(staff_client, learner):
    url = "/admin/accounts/user/"
    asked = staff_client.post(url, {"action": "deactivate", "_selected_action": [learner.pk]})
    assert asked.status_code == 200 and b"Reason for deactivating" in asked.content
    learner.refresh_from_db()
    assert learner.is_active  # nothing until the reason is given
    done = staff_client.post(
        url,
        {
            "action": "deactivate",
            "_selected_action": [learner.pk],
            "apply": "1",
            "reason": "Account compromised",
        },
    )
    assert done.status_code == 302
    learner.refresh_from_db()
    assert not learner.is_active
    event = AuditEvent.objects.get(action="user.deactivated")
    assert event.details["reason"] == "Account compromised" and event.ip == "127.0.0.1"
    staff_client.post(url, {"action": "reactivate", "_selected_action": [learner.pk]})
    learner.refresh_from_db()
    assert learner.is_active
    assert AuditEvent.objects.filter(action="user.reactivated").count() == 1


def _change_form(user, **changes) -> dict:
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "certificate_name": "",
        "officer_id": "",
        "preferred_language": "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for flag in ("is_active", "is_staff", "is_superuser"):
        if changes.get(flag, getattr(user, flag)):
            data[flag] = "on"
    if groups := changes.get("groups"):
        data["groups"] = [g.pk for g in groups]
    return data


def test_unticking_active_on_the_change_form_goes_through_the_service(staff_client, learner):
    browser = Client()
    browser.force_login(learner)
    response = staff_client.post(
        f"/admin/accounts/user/{learner.pk}/change/", _change_form(learner, is_active=False)
    )
    assert response.status_code == 302, response.content[:3000]
    learner.refresh_from_db()
    assert not learner.is_active
    assert browser.get("/series/").status_code == 302
    event = AuditEvent.objects.get(action="user.deactivated")
    assert event.details["sessions_ended"] == 1


def test_staff_flag_and_authors_group_changes_are_audited(staff_client, learner):
    authors = Group.objects.get_or_create(name=AUTHORS_GROUP)[0]
    response = staff_client.post(
        f"/admin/accounts/user/{learner.pk}/change/",
        _change_form(learner, is_staff=True, groups=[authors]),
    )
    assert response.status_code == 302, response.content[:3000]
    staff_event = AuditEvent.objects.get(action="user.staff_changed")
    assert staff_event.details == {"is_staff": [False, True]}
    assert staff_event.target_id == str(learner.pk)
    groups_event = AuditEvent.objects.get(action="user.groups_changed")
    assert groups_event.details == {"added": [AUTHORS_GROUP], "removed": []}
    learner.refresh_from_db()
    response = staff_client.post(
        f"/admin/accounts/user/{learner.pk}/change/", _change_form(learner, groups=[])
    )
    assert response.status_code == 302
    removed = AuditEvent.objects.filter(action="user.groups_changed").latest("id")
    assert removed.details == {"added": [], "removed": [AUTHORS_GROUP]}
    # A save that changes neither writes no such record.
    learner.refresh_from_db()
    staff_client.post(f"/admin/accounts/user/{learner.pk}/change/", _change_form(learner))
    assert AuditEvent.objects.filter(action__in=["user.staff_changed"]).count() == 1
    assert AuditEvent.objects.filter(action="user.groups_changed").count() == 2


# --- Django admin: memberships ---------------------------------------------------------------


def test_admin_membership_add_role_change_and_delete_are_audited(
    staff_client, staff, agency, series
):
    person = factories.UserFactory()
    added = staff_client.post(
        "/admin/accounts/membership/add/",
        {"user": person.pk, "agency": agency.pk, "role": "learner"},
    )
    assert added.status_code == 302, added.content[:2000]
    membership = Membership.objects.get(user=person)
    event = AuditEvent.objects.get(action="membership.added", target_id=str(person.pk))
    assert (event.actor_id, event.details["via"], event.details["role"]) == (
        staff.pk,
        "admin",
        "learner",
    )
    changed = staff_client.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {"user": person.pk, "agency": agency.pk, "role": "supervisor"},
    )
    assert changed.status_code == 302, changed.content[:2000]
    membership.refresh_from_db()
    assert membership.role == "supervisor"
    role = AuditEvent.objects.get(action="membership.role_changed")
    assert (role.details["previous"], role.details["role"]) == ("learner", "supervisor")
    deleted = staff_client.post(
        f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert not Membership.objects.filter(user=person).exists()
    removed = AuditEvent.objects.get(action="membership.removed")
    assert (removed.actor_id, removed.details["role"]) == (staff.pk, "supervisor")


def test_admin_cannot_move_a_membership_to_another_agency(staff_client, learner, agency):
    other = factories.AgencyFactory()
    membership = Membership.objects.get(user=learner)
    staff_client.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {"user": learner.pk, "agency": other.pk, "role": "learner"},
    )
    membership.refresh_from_db()
    assert membership.agency_id == agency.pk


def test_admin_bulk_delete_removes_through_the_service(staff_client, agency, learner, series):
    _overdue_assignment(agency, learner, series)
    planner.plan(ignore_window=True)
    membership = Membership.objects.get(user=learner)
    response = staff_client.post(
        "/admin/accounts/membership/",
        {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(user=learner).exists()
    assert Reminder.objects.get(recipient=learner).status == Reminder.Status.CANCELLED
    assert Enrollment.objects.get(user=learner).assignment_id is None
    assert AuditEvent.objects.filter(action="membership.removed", outcome="success").count() == 1


def test_memberships_edited_on_the_user_page_go_through_the_services(
    staff_client, agency, learner, series
):
    other = factories.AgencyFactory()
    membership = Membership.objects.get(user=learner)
    data = _change_form(learner)
    data.update(
        {
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "1",
            "memberships-0-id": membership.pk,
            "memberships-0-user": learner.pk,
            "memberships-0-agency": agency.pk,
            "memberships-0-role": "learner",
            "memberships-0-DELETE": "on",
            "memberships-1-user": learner.pk,
            "memberships-1-agency": other.pk,
            "memberships-1-role": "learner",
        }
    )
    response = staff_client.post(f"/admin/accounts/user/{learner.pk}/change/", data)
    assert response.status_code == 302, response.content[:3000]
    assert list(Membership.objects.filter(user=learner).values_list("agency_id", flat=True)) == [
        other.pk
    ]
    actions = set(
        AuditEvent.objects.filter(target_id=str(learner.pk)).values_list(
            "action", "details__agency"
        )
    )
    assert ("membership.removed", agency.slug) in actions
    assert ("membership.added", other.slug) in actions


def test_non_staff_cannot_reach_the_admin_actions(client, learner, settings):
    settings.LMS_REQUIRE_MFA = False
    client.force_login(learner)
    response = client.post(
        "/admin/accounts/user/",
        {"action": "deactivate", "_selected_action": [learner.pk], "apply": "1", "reason": "x"},
    )
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    learner.refresh_from_db()
    assert learner.is_active


def test_a_learner_made_supervisor_is_let_go_by_the_agencys_assignments_and_back(
    staff, agency, learner, series
):
    from accounts.services import MembershipRefused, membership_role_set

    _overdue_assignment(agency, learner, series)
    membership = Membership.objects.get(user=learner)
    with pytest.raises(MembershipRefused):
        membership_role_set(membership=membership, role="supervisor", by=learner)
    membership_role_set(membership=membership, role="supervisor", by=staff)
    enrollment = Enrollment.objects.get(user=learner)
    assert enrollment.assignment_id is None and enrollment.due_on is None
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert event.details["enrollments_open_released"] == 1
    membership_role_set(membership=membership, role="learner", by=staff)
    assert Enrollment.objects.get(user=learner).assignment_id is not None  # joined again
    assert AuditEvent.objects.filter(action="membership.role_changed").count() == 2
