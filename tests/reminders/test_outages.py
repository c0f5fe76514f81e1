"""What a database restart or an unreachable broker does to sending: waited out, never a failed
or doubled reminder, never a failed request.

The database's side is played by an execute wrapper (Django's hook around every query) that
raises ``OperationalError`` where the connection would have dropped. Outside a transaction, as
the worker runs, hence ``transaction=True``.
"""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError, connection
from kombu.exceptions import OperationalError as BrokerUnreachable

from courses import services as course_services
from reminders import planner, sending
from reminders.models import Reminder
from tests.reminders.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    """The pauses between reconnection attempts, skipped."""
    monkeypatch.setattr("reminders.sending.time.sleep", lambda seconds: None)


@pytest.fixture
def reminder(due_in):
    learner = due_in(0)
    planner.plan(now=NOW)
    return Reminder.objects.get(recipient=learner)


class Drops:
    """Fails the first ``times`` queries that ``match``, after running them when ``landed``
    (the statement reached the database, its answer did not come back)."""

    def __init__(self, match, *, times: int, landed: bool = False) -> None:
        self.match, self.times, self.landed = match, times, landed
        self.dropped = 0

    def __call__(self, execute, sql, params, many, context):
        if self.dropped < self.times and self.match(sql, params):
            self.dropped += 1
            if self.landed:
                execute(sql, params, many, context)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


def _records_sent(sql: str, params) -> bool:
    return sql.startswith("UPDATE") and '"message_id"' in sql


def _claims(sql: str, params) -> bool:
    return sql.startswith("UPDATE") and '"claimed_at"' in sql


def _reads_reminder(sql: str, params) -> bool:
    return sql.startswith("SELECT") and 'FROM "reminders_reminder"' in sql


def test_a_lost_connection_after_sending_is_waited_out_and_the_send_recorded_once(reminder):
    """The email is out; recording it fails twice (the database restarting): the record is
    written once the database answers, and the reminder is not sent again."""
    drops = Drops(_records_sent, times=2)
    with connection.execute_wrapper(drops):
        assert sending.send_one(reminder.pk, now=NOW) == "sent"
    assert drops.dropped == 2
    reminder.refresh_from_db()
    (message,) = mail.outbox
    assert (reminder.status, reminder.attempts) == ("sent", 1)
    assert reminder.message_id == message.extra_headers["Message-ID"]
    assert sending.send_one(reminder.pk, now=NOW) == "skipped"
    assert len(mail.outbox) == 1


def test_a_claim_whose_answer_was_lost_is_recognised_and_sent_once(reminder):
    """The claim reached the database but its answer did not: tried again, the row is found
    claimed by this very attempt, and sent once (not skipped, which would strand it)."""
    drops = Drops(_claims, times=1, landed=True)
    with connection.execute_wrapper(drops):
        assert sending.send_one(reminder.pk, now=NOW) == "sent"
    assert drops.dropped == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


def test_a_claim_that_did_not_land_is_tried_again(reminder):
    """The database was away when claiming: claimed on the next try, sent once."""
    with connection.execute_wrapper(Drops(_claims, times=3)):
        assert sending.send_one(reminder.pk, now=NOW) == "sent"
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("sent", 1)
    assert len(mail.outbox) == 1


def test_a_database_away_too_long_leaves_the_row_to_the_sweep_not_failed(reminder, settings):
    """Past LMS_REMINDER_DATABASE_WAIT_SECONDS the attempt gives up: nothing sent, the row
    stays “sending” (never marked failed for an outage) and the sweep's timeout re-queues it."""
    settings.LMS_REMINDER_DATABASE_WAIT_SECONDS = 0
    with (
        connection.execute_wrapper(Drops(_reads_reminder, times=1)),
        pytest.raises(OperationalError),
    ):
        sending.send_one(reminder.pk, now=NOW)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.last_error) == ("sending", 1, "")
    assert mail.outbox == []
    later = NOW + timedelta(seconds=settings.LMS_REMINDER_SENDING_TIMEOUT_SECONDS + 1)
    assert planner.sweep(now=later) == 1
    assert sending.send_one(reminder.pk, now=later) == "sent"
    assert len(mail.outbox) == 1


def test_a_broken_template_still_fails_at_once(reminder, monkeypatch):
    """Only a lost connection is waited out: an error in building the message is permanent."""

    def broken(reminder):
        raise ValueError("no such template variable")

    monkeypatch.setattr("reminders.sending.build_message", broken)
    assert sending.send_one(reminder.pk, now=NOW) == "failed"
    reminder.refresh_from_db()
    assert reminder.status == "failed" and "no such template variable" in reminder.last_error


def test_a_nudge_is_accepted_and_kept_while_the_broker_is_unreachable(
    client, supervisor, learner, series, monkeypatch, caplog, settings
):
    """Redis down: the nudge is still recorded and the supervisor told so (no error page); the
    reminder waits in the outbox for the sweep, which hands it to the workers."""

    def unreachable(*args, **kwargs):
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    settings.LMS_REQUIRE_MFA = False
    client.force_login(supervisor)
    course_services.enrollment_create(user=learner, series=series)
    monkeypatch.setattr("reminders.tasks.send_reminders.delay", unreachable)
    with caplog.at_level(logging.WARNING, logger="reminders.tasks"):
        response = client.post(f"/agency/learners/{learner.pk}/nudge/", follow=True)
    assert response.status_code == 200
    assert b"Reminder sent" in response.content
    (nudge,) = Reminder.objects.filter(kind=Reminder.Kind.NUDGE)
    assert nudge.status == Reminder.Status.QUEUED
    assert "stay queued for the sweep" in caplog.text
    assert planner.due_ids() == [nudge.pk]
    assert mail.outbox == []


@pytest.mark.parametrize("landed", [True, False], ids=["answer lost", "statement lost"])
def test_a_batch_whose_record_and_next_claim_were_cut_off_sends_each_row_once(due_in, landed):
    """In a batch the record of a row sent goes with the next row's claim (one statement on
    PostgreSQL, one transaction on SQLite). The connection drops there, after the statement ran
    or before: tried again, every row is sent once, recorded with its own Message-ID, and counted
    as one attempt."""
    learners = [due_in(days) for days in (7, 0, -2)]
    planner.plan(now=NOW)
    ids = list(
        Reminder.objects.filter(recipient__in=learners).order_by("pk").values_list("pk", flat=True)
    )
    claims = iter(range(len(ids) * 2))
    drops = Drops(lambda sql, params: _claims_or_folds(sql) and next(claims) == 1, times=1,
                  landed=landed)  # fmt: skip
    with connection.execute_wrapper(drops):
        assert sending.send_batch(ids) == {"sent": 3}
    assert drops.dropped == 1
    sent = {message.to[0]: message.extra_headers["Message-ID"] for message in mail.outbox}
    assert len(mail.outbox) == 3 and set(sent) == {learner.email for learner in learners}
    rows = Reminder.objects.filter(pk__in=ids).select_related("recipient")
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    assert {row.recipient.email: row.message_id for row in rows} == sent


def _claims_or_folds(sql: str) -> bool:
    """A claim, alone or carrying the record of the row sent before it (PostgreSQL's WITH)."""
    return sql.startswith(("UPDATE", "WITH")) and '"claimed_at"' in sql
