from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Enrollment
from reminders import planner
from reminders.models import EmailPreference, Reminder
from tests.reminders.conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def _kinds():
    return sorted(Reminder.objects.values_list("recipient__email", "kind", "step"))


def test_due_soon_due_today_and_overdue_steps(due_in):
    """7 and 1 days before, on the day, and overdue week by week up to four times."""
    plan = {
        7: ("due_soon", 7),
        1: ("due_soon", 1),
        0: ("due_today", 0),
        -1: ("overdue", 1),
        -8: ("overdue", 2),
        -15: ("overdue", 3),
        -22: ("overdue", 4),
        -60: ("overdue", 4),
    }
    learners = {days: due_in(days, email=f"d{days}@example.org") for days in plan}
    due_in(3, email="quiet@example.org")  # nothing due for this one today
    planner.plan(now=NOW)
    year, week, _ = TODAY.isocalendar()
    digest = ("boss@example.org", "digest", year * 100 + week)  # a Monday with learners overdue
    expected = sorted([*((learners[d].email, *plan[d]) for d in plan), digest])
    assert _kinds() == expected


def test_planning_twice_writes_nothing_new(due_in):
    """The outbox row is unique: a second run, or a second beat, changes nothing."""
    for days in (7, 0, -3):
        due_in(days)
    planner.plan(now=NOW)
    first = list(Reminder.objects.order_by("pk").values_list("pk", "kind", "step"))
    planner.plan(now=NOW)
    planner.plan(now=NOW + timedelta(minutes=15))
    assert list(Reminder.objects.order_by("pk").values_list("pk", "kind", "step")) == first


def test_nothing_is_planned_before_eight_in_the_agencys_morning(due_in):
    """At 07:30 local time nothing is planned, unless the window is ignored."""
    due_in(0)
    early = NOW.replace(hour=7, minute=30)
    planner.plan(now=early)
    assert not Reminder.objects.exists()
    planner.plan(now=early, ignore_window=True)
    assert Reminder.objects.count() == 1


def test_completed_and_unassigned_enrollments_get_no_reminders(due_in, learner, series):
    """Finished training and self-enrolment without a due date are left alone."""
    done = due_in(0)
    Enrollment.objects.filter(user=done).update(completed_at=timezone.now(), percent_complete=100)
    Enrollment.objects.create(user=learner, series=series, due_on=TODAY)  # self-enrolled
    planner.plan(now=NOW)
    assert not Reminder.objects.exists()


def test_inactive_learners_are_nudged_once_per_quiet_spell_unless_they_opted_out(due_in):
    """Two weeks without progress on a started enrollment: one nudge; opting out stops it."""
    quiet = due_in(20, email="quiet@example.org")
    opted_out = due_in(20, email="optout@example.org")
    long_ago = NOW - timedelta(days=15)
    Enrollment.objects.filter(user__in=[quiet, opted_out]).update(
        started_at=long_ago, last_activity_at=long_ago
    )
    EmailPreference.objects.create(user=opted_out, inactive_nudges=False)
    planner.plan(now=NOW)
    planner.plan(now=NOW + timedelta(days=1))
    assert _kinds() == [("quiet@example.org", "inactive", long_ago.date().toordinal())]


def test_supervisors_get_a_monday_digest_when_someone_is_overdue(due_in, supervisor):
    """On Monday (agency time) each supervisor gets one digest for the ISO week."""
    due_in(-2)
    planner.plan(now=NOW)  # NOW is a Monday
    planner.plan(now=NOW + timedelta(hours=3))
    digests = Reminder.objects.filter(kind="digest")
    year, week, _ = TODAY.isocalendar()
    assert list(digests.values_list("recipient", "step")) == [(supervisor.pk, year * 100 + week)]
    Reminder.objects.all().delete()
    planner.plan(now=NOW + timedelta(days=1))  # Tuesday: overdue reminder only
    assert not Reminder.objects.filter(kind="digest").exists()


def test_planning_queries_do_not_grow_with_learners(due_in):
    """Ten overdue learners or a hundred: the same SELECTs (INSERTs come per 1,000-row batch)."""
    counts = []
    for size in (10, 100):
        Reminder.objects.all().delete()
        for _ in range(size - (10 if counts else 0)):
            due_in(-3)
        with CaptureQueriesContext(connection) as queries:
            planner.plan(now=NOW)
        assert Reminder.objects.count() == size + 1  # and one digest
        counts.append(sum(1 for q in queries.captured_queries if not q["sql"].startswith("INSERT")))
    assert counts[0] == counts[1], counts


def test_sweep_requeues_rows_left_sending(due_in):
    """A worker that died mid-send leaves “sending”; after the timeout it is queued again."""
    due_in(0)
    planner.plan(now=NOW)
    Reminder.objects.update(status="sending", claimed_at=NOW - timedelta(minutes=30))
    assert planner.sweep(now=NOW) == 1
    assert planner.due_ids(now=NOW) == list(Reminder.objects.values_list("pk", flat=True))
