"""Reminders on the real parts: a Celery worker subprocess on Redis, an SMTP server, PostgreSQL.

The unique outbox row, not Redis, is what keeps an email from going out twice: these tests run
the planner concurrently, SIGKILL a worker in the middle of a batch, script the SMTP server's
answers and roll back a transaction, and count what the SMTP server received.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership, User
from courses.assignments import assignment_create
from courses.models import Enrollment
from reminders import planner, tasks
from reminders.models import Reminder
from tests import factories
from tests.integration.conftest import CONCURRENCY, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def supervisor(agency):
    return factories.supervisor_of(agency, email="live-boss@example.org")


def make_learners(agency, count: int, *, prefix: str) -> list[User]:
    """``count`` learners of ``agency``, written in bulk."""
    User.objects.bulk_create(
        User(email=f"{prefix}{i:04}@live.example.org", full_name=f"Live {prefix}{i}")
        for i in range(count)
    )
    users = list(User.objects.filter(email__startswith=prefix).order_by("email"))
    Membership.objects.bulk_create(
        Membership(user=user, agency=agency, role=Membership.Role.LEARNER) for user in users
    )
    return users


def assign(agency, supervisor, series, users, *, today, due_in_days: int) -> None:
    """Assign ``series`` to ``users`` through the product's service, then move the due date
    (the service refuses dates in the past)."""
    assignment, _ = assignment_create(
        supervisor=supervisor, agency=agency, series=series, today=today, learners=users,
        due_on=today + timedelta(days=30),
    )  # fmt: skip
    Enrollment.objects.filter(assignment=assignment).update(
        due_on=today + timedelta(days=due_in_days)
    )


def local_today(agency, now):
    return planner.agency_now(agency, now).date()


def plan_and_enqueue(now) -> int:
    """What the beat's plan task does; the sends are published when the transaction commits."""
    with transaction.atomic():
        planner.plan(now=now, ignore_window=True)
        return tasks.enqueue(planner.due_ids(now=now))


def beat_until(condition, *, timeout: float, every: float = 0.25):
    """Play the beat's sweep task (re-queue stuck rows, hand over retries now due) until
    ``condition`` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        tasks.sweep_reminders.delay()
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s")


def wait_until_idle(live, *, settle: float = 1.0) -> None:
    """Until the queue is empty, then a little longer for the tasks the worker holds."""
    wait_for(lambda: live.queue_length() == 0, timeout=30, what="the queue to drain")
    time.sleep(settle)


def sent(pks=None) -> int:
    rows = Reminder.objects.filter(status=Reminder.Status.SENT)
    return (rows.filter(pk__in=pks) if pks is not None else rows).count()


def test_planning_twice_and_concurrently_sends_each_email_once(live, agency, supervisor, series):
    """Two planners at the same moment, then two more through the worker: one email each."""
    now = timezone.now()
    today = local_today(agency, now)
    expected = {}  # recipient -> what the subject says
    for days, subject in [
        (7, "is due in 7 days"), (1, "is due in 1 day"), (0, "is due today"), (-3, "was due"),
    ]:  # fmt: skip
        users = make_learners(agency, 6, prefix=f"plan{days + 10}-")
        assign(agency, supervisor, series, users, today=today, due_in_days=days)
        expected.update((user.email, subject) for user in users)
    quiet = make_learners(agency, 2, prefix="quiet-")  # due in 3 days: nothing today
    assign(agency, supervisor, series, quiet, today=today, due_in_days=3)
    done = make_learners(agency, 2, prefix="done-")  # due today but completed
    assign(agency, supervisor, series, done, today=today, due_in_days=0)
    Enrollment.objects.filter(user__in=done).update(completed_at=now, percent_complete=100)
    if today.weekday() == 0:  # a Monday with learners overdue: the supervisor's digest
        expected[supervisor.email] = "overdue this week"

    live.worker()
    barrier = threading.Barrier(2)
    errors = []

    def planner_run() -> None:
        try:
            barrier.wait(timeout=10)
            tasks.plan_reminders.run(ignore_window=True)  # the beat task's body, in this process
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=planner_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    tasks.plan_reminders.delay(ignore_window=True)  # and twice more, by the worker
    tasks.plan_reminders.delay(ignore_window=True)

    wait_for(lambda: sent() == len(expected), timeout=30, what="every reminder sent")
    wait_until_idle(live)
    delivered = live.sink.snapshot()
    counts = Counter(message.to for message in delivered)
    print(f"\n[concurrent planners] expected {len(expected)}, delivered {len(delivered)}")
    assert Reminder.objects.count() == len(expected)
    assert counts == Counter(list(expected)), "each expected email exactly once"
    for message in delivered:
        assert expected[message.to] in message.subject, message
    by_recipient = dict(Reminder.objects.values_list("recipient__email", "message_id"))
    assert {message.to: message.message_id for message in delivered} == by_recipient


def test_a_worker_killed_mid_batch_loses_nothing(live, agency, supervisor, series):
    """A batch of 1,000; the worker is SIGKILLed twice mid-batch. Every reminder is delivered;
    the only repeats are messages a killed pool process had sent but not yet marked sent."""
    now = timezone.now()
    today = local_today(agency, now)
    users = make_learners(agency, 1000, prefix="batch-")
    assign(agency, supervisor, series, users, today=today, due_in_days=0)
    worker = live.worker()
    assert plan_and_enqueue(now) == 1000
    kills = swept = 0
    for threshold in (300, 600):
        wait_for(lambda t=threshold: live.sink.accepted >= t, timeout=60, what=f"{threshold} sent")
        worker.kill()
        kills += 1
        assert sent() < 1000, "the worker was killed after the batch, not in the middle"
        # The beat's sweep, run once the timeout has passed: rows the dead processes were
        # sending go back to the queue; every queued row is handed over again (the killed
        # worker's unacknowledged tasks stay in Redis until the visibility timeout, an hour).
        timeout = timedelta(seconds=settings.LMS_REMINDER_SENDING_TIMEOUT_SECONDS + 1)
        swept += planner.sweep(now=timezone.now() + timeout)
        with transaction.atomic():
            tasks.enqueue(planner.due_ids())
        worker = live.worker()

    wait_for(lambda: sent() == 1000, timeout=90, what="all 1,000 reminders sent", every=0.2)
    wait_until_idle(live)
    counts = Counter(message.to for message in live.sink.snapshot())
    repeated = {to: n for to, n in counts.items() if n > 1}
    extra = sum(n - 1 for n in repeated.values())
    print(
        f"\n[SIGKILL mid-batch] kills: {kills}, rows re-queued by the sweep: {swept}, "
        f"delivered: {sum(counts.values())} to {len(counts)} recipients, "
        f"recipients with more than one email: {len(repeated)} ({extra} extra emails)"
    )
    assert set(counts) == {user.email for user in users}, "every recipient got the email"
    assert Reminder.objects.exclude(status=Reminder.Status.SENT).count() == 0
    # Only a row left “sending” by a killed process can repeat; each process sends one at a time.
    assert extra <= swept <= kills * CONCURRENCY
    assert len(repeated) <= kills * CONCURRENCY


@pytest.mark.parametrize("stage", ["data", "rcpt"])
def test_a_temporary_refusal_is_retried_and_delivered(live, agency, supervisor, series, stage):
    """451 twice, then 250: the reminder is sent on the third attempt."""
    live.sink.refuse("451 4.3.0 try later", stage=stage, times=2)
    now = timezone.now()
    (user,) = make_learners(agency, 1, prefix=f"retry-{stage}-")
    assign(agency, supervisor, series, [user], today=local_today(agency, now), due_in_days=0)
    plan_and_enqueue(now)
    live.worker()
    (reminder,) = Reminder.objects.all()
    beat_until(lambda: sent([reminder.pk]) == 1, timeout=40)
    wait_until_idle(live)
    reminder.refresh_from_db()
    delivered = live.sink.snapshot()
    print(
        f"\n[451 at {stage}] attempts: {reminder.attempts}, refused: {len(live.sink.refused)}, "
        f"delivered: {len(delivered)}"
    )
    assert (reminder.status, reminder.attempts, reminder.last_error) == ("sent", 3, "")
    assert [(m.to, m.message_id) for m in delivered] == [(user.email, reminder.message_id)]
    assert live.sink.refused == [(stage, user.email)] * 2
    assert live.sink.transactions == 3


@pytest.mark.parametrize("stage", ["data", "rcpt"])
def test_a_permanent_refusal_fails_at_once(live, agency, supervisor, series, stage):
    """550: the reminder is failed after one attempt, with the answer recorded, never retried."""
    live.sink.refuse("550 5.1.1 no such user", stage=stage)
    now = timezone.now()
    (user,) = make_learners(agency, 1, prefix=f"bounce-{stage}-")
    assign(agency, supervisor, series, [user], today=local_today(agency, now), due_in_days=0)
    plan_and_enqueue(now)
    live.worker()
    (reminder,) = Reminder.objects.all()
    wait_for(
        lambda: (
            Reminder.objects.filter(pk=reminder.pk, attempts__gte=1)
            .exclude(status=Reminder.Status.SENDING)
            .exists()
        ),
        timeout=30,
        what="the first attempt",
    )
    # The beat goes on sweeping for a while (the worker's back-off is about a second).
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        tasks.sweep_reminders.delay()
        time.sleep(0.25)
    wait_until_idle(live)
    reminder.refresh_from_db()
    print(
        f"\n[550 at {stage}] status: {reminder.status}, attempts: {reminder.attempts}, "
        f"SMTP transactions: {live.sink.transactions}, error: {reminder.last_error[:80]!r}"
    )
    assert (reminder.status, reminder.attempts) == ("failed", 1)
    assert "550" in reminder.last_error
    assert live.sink.snapshot() == []
    assert live.sink.transactions == 1


class Rollback(Exception):
    pass


def test_a_rolled_back_transaction_queues_and_sends_nothing(live, agency, supervisor, series):
    """Assign, plan and enqueue in a transaction that rolls back: no rows, no task in Redis, no
    email. The same work committed is queued and sent, once."""
    now = timezone.now()
    today = local_today(agency, now)
    users = make_learners(agency, 250, prefix="rollback-")

    def assign_plan_enqueue() -> int:
        assign(agency, supervisor, series, users, today=today, due_in_days=0)
        return plan_and_enqueue(now)

    with pytest.raises(Rollback), transaction.atomic():
        assert assign_plan_enqueue() == 250
        raise Rollback
    assert not Reminder.objects.exists()
    assert not Enrollment.objects.filter(user__in=users).exists()
    assert live.queue_length() == 0, "nothing was published"

    with transaction.atomic():  # the control: committed, it is published and sent
        assert assign_plan_enqueue() == 250
    chunks = -(-250 // settings.LMS_REMINDER_CHUNK)
    assert live.queue_length() == chunks
    live.worker()
    wait_for(lambda: sent() == 250, timeout=30, what="the committed run sent")
    wait_until_idle(live)
    counts = Counter(message.to for message in live.sink.snapshot())
    print(
        f"\n[rollback] queued after rollback: 0; after commit: {chunks} tasks, {250} emails "
        f"on {live.sink.sessions} SMTP connections"
    )
    assert counts == Counter(user.email for user in users)
    assert live.sink.sessions == chunks, "one SMTP connection per send task"


def test_the_sweep_hands_over_every_queued_row_when_redis_lost_its_tasks(
    live, agency, supervisor, series
):
    """Published rows are not published again by the next sweep, unless Redis lost its data
    (flushed here, as a restart without persistence would): then every queued row is."""
    now = timezone.now()
    users = make_learners(agency, 30, prefix="lost-")
    assign(agency, supervisor, series, users, today=local_today(agency, now), due_in_days=0)
    assert tasks.broker_kept_its_tasks() is False  # the fixture flushed Redis: no mark yet
    assert tasks.broker_kept_its_tasks() is True
    plan_and_enqueue(now)
    assert live.queue_length() == 1
    assert Reminder.objects.filter(published_at__isnull=True).count() == 0
    assert tasks.sweep_reminders.run() == 0
    assert live.queue_length() == 1, "nothing published twice"
    live.redis.flushdb()  # the task is lost with Redis
    assert tasks.sweep_reminders.run() == 30
    assert live.queue_length() == 1
    assert tasks.sweep_reminders.run() == 0, "the mark is back"
    live.worker()
    wait_for(lambda: sent() == 30, timeout=30, what="every reminder sent")
    wait_until_idle(live)
    assert Counter(m.to for m in live.sink.snapshot()) == Counter(u.email for u in users)
