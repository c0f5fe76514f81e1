"""Due dates, steps, time zones, DST and recurrence: the rules, checked on their own."""

import zoneinfo
from datetime import date, datetime, timedelta

import pytest

from courses import tasks
from courses.assignments import add_months, refresher_due, refreshers_open
from courses.models import Enrollment
from reminders import planner
from reminders.models import Reminder
from tests.reminders.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db
UTC = zoneinfo.ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 21), 12, date(2027, 11, 21)),
        (date(2026, 12, 15), 3, date(2027, 3, 15)),
    ],
)
def test_adding_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    """Month arithmetic for refreshers never lands on a day that does not exist."""
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("utc", "planned"),
    [
        # US daylight saving ends on 1 November 2026: 12:30 UTC is 07:30 EST, 13:05 is 08:05.
        (datetime(2026, 11, 1, 12, 30, tzinfo=UTC), False),
        (datetime(2026, 11, 1, 13, 5, tzinfo=UTC), True),
        # The day before, still on daylight time, 12:30 UTC is already 08:30 EDT.
        (datetime(2026, 10, 31, 12, 30, tzinfo=UTC), True),
        # It starts on 8 March 2026: 12:30 UTC is 08:30 EDT; on 7 March it was 07:30 EST.
        (datetime(2026, 3, 8, 12, 30, tzinfo=UTC), True),
        (datetime(2026, 3, 7, 12, 30, tzinfo=UTC), False),
    ],
)
def test_the_eight_oclock_window_follows_daylight_saving(due_in, utc, planned):
    """The window is the agency's local 08:00, whichever offset applies that day."""
    learner = due_in(0)
    local_today = utc.astimezone(zoneinfo.ZoneInfo("America/New_York")).date()
    Enrollment.objects.filter(user=learner).update(due_on=local_today)
    planner.plan(now=utc)
    assert Reminder.objects.filter(kind="due_today").exists() is planned


def test_due_today_is_the_agencys_today_not_utcs(due_in, agency):
    """At 02:00 UTC it is still yesterday evening in New York: due-today goes by New York."""
    learner = due_in(0)
    utc = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # 21:00 on the 23rd in New York
    Enrollment.objects.filter(user=learner).update(due_on=date(2026, 11, 23))
    planner.plan(now=utc)
    assert list(Reminder.objects.values_list("kind", flat=True)) == ["due_today"]


def test_an_agency_whose_policy_is_off_sends_no_assignment_reminders(due_in, agency):
    """Due and overdue reminders follow the agency's policy."""
    due_in(0)
    due_in(-3)
    agency.assignment_reminders = False
    agency.save()
    planner.plan(now=NOW)
    assert not Reminder.objects.exclude(kind="digest").exists()


def test_a_recurring_assignment_opens_the_next_cycle_ahead_of_its_due_date(due_in, settings):
    """Completed in cycle 1: cycle 2 opens 60 days before N months after completion; the
    completion stays on record; planning again opens nothing more."""
    settings.LMS_REFRESHER_OPENS_DAYS_BEFORE = 60
    learner = due_in(10)
    first = Enrollment.objects.get(user=learner)
    first.assignment.recurrence_months = 12
    first.assignment.save()
    completed = datetime(2025, 12, 1, 15, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    Enrollment.objects.filter(pk=first.pk).update(completed_at=completed, percent_complete=100)
    agency = learner.memberships.get().agency

    assert refreshers_open(agency=agency, today=date(2026, 10, 1)) == 0  # 61 days ahead: not yet
    assert refreshers_open(agency=agency, today=date(2026, 10, 2)) == 1
    assert refreshers_open(agency=agency, today=date(2026, 10, 2)) == 0
    cycles = list(Enrollment.objects.filter(user=learner).order_by("cycle"))
    assert [(e.cycle, e.is_current, e.completed_at is not None) for e in cycles] == [
        (1, False, True),
        (2, True, False),
    ]
    assert cycles[1].due_on == refresher_due(completed_on=date(2025, 12, 1), months=12)
    assert cycles[1].assignment_id == first.assignment_id


def test_refreshers_open_in_their_own_task_before_the_send_window_and_the_planner_reminds(
    due_in, settings, monkeypatch
):
    """The hourly refresher task opens the cycle at 03:00 local (before the reminders' send
    window); the planner itself opens nothing, then reminds about the open cycle as usual."""
    settings.LMS_REFRESHER_OPENS_DAYS_BEFORE = 7
    learner = due_in(10)
    first = Enrollment.objects.get(user=learner)
    first.assignment.recurrence_months = 1
    first.assignment.save()
    completed = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)  # due again 30 November
    Enrollment.objects.filter(pk=first.pk).update(completed_at=completed, percent_complete=100)

    planner.plan(now=NOW)  # 23 November, 09:00: the planner no longer opens refreshers
    assert Enrollment.objects.get(user=learner, is_current=True).cycle == 1
    assert not Reminder.objects.exists()

    early = datetime(2026, 11, 23, 3, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: early)
    assert tasks.open_refreshers() == 1
    monkeypatch.undo()
    new = Enrollment.objects.get(user=learner, is_current=True)
    assert (new.cycle, new.due_on) == (2, date(2026, 11, 30))
    planner.plan(now=NOW)
    assert list(Reminder.objects.values_list("kind", "step", "cycle")) == [("due_soon", 7, 2)]
    assert TODAY + timedelta(days=7) == new.due_on


def test_the_refresher_task_has_its_own_hourly_beat_entry():
    """The beat schedule (a data migration, editable in admin) runs the refresher task every
    hour, apart from the reminder planner."""
    from django_celery_beat.models import PeriodicTask

    entry = PeriodicTask.objects.get(task="courses.tasks.open_refreshers")
    assert (entry.interval.every, entry.interval.period, entry.enabled) == (1, "hours", True)
