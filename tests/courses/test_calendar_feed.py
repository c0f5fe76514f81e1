"""The learner's private calendar feed (ICS) of due dates and refresher dates."""

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.selectors import calendar_token
from audit.models import AuditEvent
from courses import services as course_services
from courses.assignments import assignment_create
from courses.models import Enrollment
from tests import factories

pytestmark = pytest.mark.django_db


def _feed_url(user) -> str:
    user.refresh_from_db()
    token = calendar_token(user)
    assert token
    return reverse("calendar-feed", kwargs={"token": token})


def _events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


@pytest.fixture
def linked(learner):
    account_services.calendar_link_reset(user=learner)
    return learner


def test_feed_is_valid_icalendar_with_one_all_day_event_per_due_date(client, linked, series):
    """An open enrollment's due date is one all-day event, read back by the library."""
    enrollment = course_services.enrollment_create(user=linked, series=series)
    Enrollment.objects.filter(pk=enrollment.pk).update(due_on=date(2027, 3, 9))
    response = client.get(_feed_url(linked))
    body = response.content
    assert b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")  # CRLF only
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded
    calendar = icalendar.Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0"
    [event] = _events(response)
    assert event["SUMMARY"] == f"Training due: {series.title}"
    assert event.decoded("DTSTART") == date(2027, 3, 9)
    assert event.decoded("DTEND") == date(2027, 3, 10)
    assert event["DTSTART"].params.get("VALUE") == "DATE"
    assert event["UID"] == f"enrollment-{enrollment.pk}-due@testserver"
    assert str(event["URL"]).endswith(series.get_absolute_url())


def test_feed_text_is_escaped(client, linked, series):
    """Commas, semicolons and line breaks in a title survive the trip through the format."""
    series.title = "Survivors; first contact, and after\nthe call"
    series.save()
    enrollment = course_services.enrollment_create(user=linked, series=series)
    Enrollment.objects.filter(pk=enrollment.pk).update(due_on=date(2027, 1, 5))
    response = client.get(_feed_url(linked))
    assert b"Survivors\\; first contact\\, and after\\nthe call" in response.content
    [event] = _events(response)
    assert str(event["SUMMARY"]) == f"Training due: {series.title}"


def test_uids_are_stable_and_a_moved_due_date_moves_the_same_event(client, linked, series):
    """Two fetches give the same UID; a new due date keeps it."""
    enrollment = course_services.enrollment_create(user=linked, series=series)
    Enrollment.objects.filter(pk=enrollment.pk).update(due_on=date(2027, 1, 5))
    url = _feed_url(linked)
    [first] = _events(client.get(url))
    Enrollment.objects.filter(pk=enrollment.pk).update(due_on=date(2027, 2, 1))
    [second] = _events(client.get(url))
    assert first["UID"] == second["UID"]
    assert second.decoded("DTSTART") == date(2027, 2, 1)


def test_refresher_date_of_a_recurring_assignment_is_an_event(client, agency, linked, series):
    """A completed cycle of an annual assignment gives its refresher date, no due event."""
    supervisor = factories.supervisor_of(agency, email="sup@example.org")
    assignment_create(
        supervisor=supervisor,
        agency=agency,
        series=series,
        today=timezone.localdate(),
        learners=[linked],
        due_in_days=30,
        recurrence_months=12,
    )
    done = datetime(2026, 5, 20, 15, 0, tzinfo=UTC)
    Enrollment.objects.filter(user=linked, series=series).update(
        completed_at=done, percent_complete=100
    )
    [event] = _events(client.get(_feed_url(linked)))
    assert event["SUMMARY"] == f"Refresher due: {series.title}"
    assert event.decoded("DTSTART") == date(2027, 5, 20)
    assert str(event["UID"]).endswith("-refresher@testserver")


def test_feed_speaks_the_learners_preferred_language_not_the_calendar_apps(client, linked, series):
    """A learner who prefers Spanish reads Spanish in their calendar, whatever language the
    calendar app asks for; the series' title stays as its author wrote it."""
    linked.preferred_language = "es"
    linked.save(update_fields=["preferred_language"])
    enrollment = course_services.enrollment_create(user=linked, series=series)
    Enrollment.objects.filter(pk=enrollment.pk).update(due_on=date(2027, 3, 9))
    response = client.get(_feed_url(linked), HTTP_ACCEPT_LANGUAGE="en-US")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Fechas límite de formación"
    [event] = _events(response)
    assert event["SUMMARY"] == f"Fecha límite de formación: {series.title}"
    assert str(event["DESCRIPTION"]).startswith(f"{series.title} ({series.provider}) vence hoy.")


def test_feed_is_english_for_a_learner_with_no_preference_whatever_the_app_asks(
    client, linked, series
):
    course_services.enrollment_create(user=linked, series=series)
    Enrollment.objects.filter(user=linked).update(due_on=date(2027, 3, 9))
    response = client.get(_feed_url(linked), HTTP_ACCEPT_LANGUAGE="es-MX,es")
    [event] = _events(response)
    assert event["SUMMARY"] == f"Training due: {series.title}"


def test_completed_enrollment_without_recurrence_and_undated_ones_give_no_event(
    client, linked, series
):
    """Nothing to put in a calendar: an empty, still valid calendar."""
    enrollment = course_services.enrollment_create(user=linked, series=series)
    url = _feed_url(linked)
    assert _events(client.get(url)) == []  # no due date
    Enrollment.objects.filter(pk=enrollment.pk).update(
        due_on=date(2027, 1, 5), completed_at=timezone.now(), percent_complete=100
    )
    assert _events(client.get(url)) == []


def test_feed_needs_no_session_and_shows_only_the_owners_dates(
    client, linked, other_learner, series
):
    """Another learner's feed has only their own enrollments; no sign-in is involved."""
    other_series = factories.SeriesFactory(slug="other-series", title="Another series")
    mine = course_services.enrollment_create(user=linked, series=series)
    theirs = course_services.enrollment_create(user=other_learner, series=other_series)
    Enrollment.objects.filter(pk__in=[mine.pk, theirs.pk]).update(due_on=date(2027, 1, 5))
    account_services.calendar_link_reset(user=other_learner)
    [event] = _events(client.get(_feed_url(other_learner)))
    assert "Another series" in str(event["SUMMARY"])
    assert series.title.encode() not in client.get(_feed_url(other_learner)).content
    assert "_auth_user_id" not in client.session


def test_reset_link_ends_the_old_one(client, linked):
    """After a reset the old URL is 404 and the new one works."""
    old = _feed_url(linked)
    account_services.calendar_link_reset(user=linked)
    new = _feed_url(linked)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_stopped_link_is_404(client, linked):
    """A stopped link answers 404 and no new one exists."""
    url = _feed_url(linked)
    account_services.calendar_link_stop(user=linked)
    assert client.get(url).status_code == 404
    linked.refresh_from_db()
    assert calendar_token(linked) is None


@pytest.mark.parametrize(
    "token",
    ["0-" + "0" * 64, "abc", "1-short", "-" * 70, "9" * 30 + "-" + "a" * 64, "1-" + "é" * 64],
)
def test_unknown_or_malformed_tokens_are_404(client, linked, token):
    """Nothing but a current token opens a feed; odd input is a plain 404."""
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_token_with_another_users_id_is_404(client, linked, other_learner):
    """The MAC binds the token to its user: swapping the id opens nothing."""
    account_services.calendar_link_reset(user=other_learner)
    token = calendar_token(linked)
    assert token
    forged = f"{other_learner.pk}-{token.partition('-')[2]}"
    assert client.get(f"/calendar/{forged}.ics").status_code == 404


def test_the_same_token_with_a_leading_zero_is_404(client, linked):
    """A link has one spelling: “03-…” does not open user 3's feed."""
    token = calendar_token(linked)
    assert token and client.get(f"/calendar/{token}.ics").status_code == 200
    assert client.get(f"/calendar/0{token}.ics").status_code == 404


def test_deactivated_users_feed_is_404(client, linked):
    """An account that is switched off publishes nothing."""
    url = _feed_url(linked)
    linked.is_active = False
    linked.save()
    assert client.get(url).status_code == 404


def test_feed_queries_do_not_grow_with_enrollments(
    client, linked, series, django_assert_max_num_queries
):
    """Two queries (the user, the enrollments) and the zone's, for 1 or 12 enrollments."""
    url = _feed_url(linked)
    course_services.enrollment_create(user=linked, series=series)
    Enrollment.objects.update(due_on=date(2027, 1, 5))
    with django_assert_max_num_queries(3):
        assert len(_events(client.get(url))) == 1
    for i in range(11):
        extra = factories.SeriesFactory(slug=f"extra-{i}", title=f"Extra {i}")
        course_services.enrollment_create(user=linked, series=extra)
    Enrollment.objects.update(due_on=date(2027, 1, 5) + timedelta(days=1))
    with django_assert_max_num_queries(3):
        assert len(_events(client.get(url))) == 12


# --- The profile page's link ---------------------------------------------------------------


def test_profile_offers_to_create_the_link_then_shows_it(learner_client, learner):
    """No link at first; the POST makes one, shown in full on the profile."""
    page = learner_client.get("/accounts/profile/").content.decode()
    assert "Create my calendar link" in page
    response = learner_client.post("/accounts/profile/calendar/", {"action": "reset"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/#calendar"
    page = learner_client.get("/accounts/profile/").content.decode()
    assert f"http://testserver{_feed_url(learner)}" in page
    assert "Reset link" in page
    assert AuditEvent.objects.filter(action="calendar.link_reset").count() == 1


def test_profile_reset_replaces_the_link(learner_client, learner):
    """Reset from the profile: a new URL, the old one 404."""
    learner_client.post("/accounts/profile/calendar/", {"action": "reset"})
    old = _feed_url(learner)
    learner_client.post("/accounts/profile/calendar/", {"action": "reset"})
    assert _feed_url(learner) != old
    assert learner_client.get(old).status_code == 404


def test_profile_stop_and_bad_action(learner_client, learner):
    """“Stop” ends the link; an unknown action changes nothing and says so."""
    learner_client.post("/accounts/profile/calendar/", {"action": "reset"})
    url = _feed_url(learner)
    response = learner_client.post(
        "/accounts/profile/calendar/", {"action": "x" * 5000}, follow=True
    )
    assert "Nothing changed" in response.content.decode()
    assert learner_client.get(url).status_code == 200
    learner_client.post("/accounts/profile/calendar/", {"action": "stop"})
    assert learner_client.get(url).status_code == 404


def test_calendar_link_needs_post_csrf_and_a_session(client, learner):
    """GET is 405; signed out goes to sign in; a POST without its CSRF token is refused."""
    client.force_login(learner)
    assert client.get("/accounts/profile/calendar/").status_code == 405
    client.logout()
    response = client.post("/accounts/profile/calendar/", {"action": "reset"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    assert strict.post("/accounts/profile/calendar/", {"action": "reset"}).status_code == 403
    learner.refresh_from_db()
    assert learner.calendar_key == ""
