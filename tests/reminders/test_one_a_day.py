"""One reminder email a day at most for a learner: a supervisor's nudge and the planner's
automatic reminders, in any order, share it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.assignments import assignment_create
from courses.models import Enrollment
from reminders import planner, sending
from reminders.models import Reminder
from supervision import services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(agency, series):
    """A learner overdue in two assigned series and quiet for three weeks on both: the planner
    finds three reminders for them on a Monday-or-any day, a supervisor may nudge."""
    supervisor = factories.supervisor_of(agency, email="boss@example.org")
    learner = factories.learner_of(agency, email="late@example.org")
    other = factories.SeriesFactory(slug="second-series", title="Second series")
    factories.ComponentFactory(module=factories.ModuleFactory(series=other, slug="m"), slug="c")
    today = agency.today()
    for each in (series, other):
        assignment_create(
            supervisor=supervisor, agency=agency, series=each, today=today - timedelta(60),
            learners=[learner], due_on=today - timedelta(days=3),
        )  # fmt: skip
    quiet = timezone.now() - timedelta(days=21)
    Enrollment.objects.filter(user=learner).update(started_at=quiet, last_activity_at=quiet)
    return agency, supervisor, learner


def _plan() -> None:
    planner.plan(now=timezone.now(), ignore_window=True)


def _send() -> None:
    sending.send_batch(planner.due_ids())


def _nudge(agency, supervisor, learner) -> str:
    enrollment = Enrollment.objects.filter(user=learner).order_by("pk").first()
    try:
        services.nudge_send(supervisor=supervisor, agency=agency, enrollment=enrollment)
    except services.NudgeRefused as refusal:
        return str(refusal)
    return "sent"


def _emails_to(learner) -> int:
    return sum(1 for message in mail.outbox if message.to == [learner.email])


def test_one_planning_round_writes_one_reminder_for_a_learner_due_three(world):
    """Two overdue series and a quiet spell the same day: one row, the others taken back."""
    _agency, _supervisor, learner = world
    _plan()
    rows = Reminder.objects.filter(recipient=learner)
    assert list(rows.values_list("kind", flat=True)) == ["overdue"]
    _plan()  # a second round the same day adds nothing
    assert rows.count() == 1


def test_after_a_nudge_the_planner_waits_for_the_next_day(world, monkeypatch):
    """Nudged today: no automatic reminder today; tomorrow the overdue reminder comes."""
    agency, supervisor, learner = world
    assert _nudge(agency, supervisor, learner) == "sent"
    _plan()
    assert list(Reminder.objects.filter(recipient=learner).values_list("kind", flat=True)) == [
        "nudge"
    ]
    tomorrow = timezone.now() + timedelta(days=1)
    Reminder.objects.update(status=Reminder.Status.SENT, sent_at=timezone.now())
    planner.plan(now=tomorrow, ignore_window=True)
    kinds = set(Reminder.objects.filter(recipient=learner).values_list("kind", flat=True))
    assert kinds == {"nudge", "overdue"}


def test_a_nudge_after_the_automatic_reminder_is_refused_with_a_reason(world):
    """The automatic reminder went out (or is about to): the supervisor is told, nothing more
    is sent."""
    agency, supervisor, learner = world
    _plan()
    assert "already reminded today" in _nudge(agency, supervisor, learner)
    _send()
    assert "already reminded today" in _nudge(agency, supervisor, learner)
    assert not Reminder.objects.filter(kind=Reminder.Kind.NUDGE).exists()
    assert _emails_to(learner) == 1


def test_a_reminder_that_failed_does_not_use_up_the_day(world):
    """A row the mail server refused reached nobody: the supervisor may still nudge."""
    agency, supervisor, learner = world
    _plan()
    Reminder.objects.update(status=Reminder.Status.FAILED, last_error="550 no such user")
    assert _nudge(agency, supervisor, learner) == "sent"


def test_a_nudge_from_the_dashboard_skips_learners_reminded_automatically(world):
    """“Remind every overdue learner” counts an automatic reminder today as a reminder."""
    agency, supervisor, learner = world
    _plan()
    overdue = Enrollment.objects.filter(user=learner)
    queued, skipped = services.nudge_many(supervisor=supervisor, agency=agency, enrollments=overdue)
    assert (queued, skipped) == (0, 1)


def test_yesterdays_email_leaves_today_free(world):
    """Sent yesterday (agency time) counts for yesterday only."""
    agency, supervisor, learner = world
    _plan()
    Reminder.objects.update(status=Reminder.Status.SENT, sent_at=timezone.now() - timedelta(2))
    assert _nudge(agency, supervisor, learner) == "sent"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.sampled_from(["nudge", "plan", "send"]), max_size=8))
def test_any_order_of_nudge_plan_and_send_emails_a_learner_at_most_once_a_day(world, steps):
    """Whatever happens in a day, in whatever order, the learner gets one email, or none
    when nothing asked for one."""
    agency, supervisor, learner = world
    mail.outbox = []
    with transaction.atomic():
        for step in steps:
            if step == "nudge":
                _nudge(agency, supervisor, learner)
            elif step == "plan":
                _plan()
            else:
                _send()
        _send()  # whatever is left queued goes out by the end of the day
        expected = 1 if {"nudge", "plan"} & set(steps) else 0
        assert _emails_to(learner) == expected, steps
        transaction.set_rollback(True)
