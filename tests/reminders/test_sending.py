import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reminders import planner, sending
from reminders.models import Reminder
from reminders.services import DEACTIVATED, LEFT_AGENCY
from tests.reminders.conftest import NOW

pytestmark = pytest.mark.django_db


def _planned(due_in, days=0):
    learner = due_in(days)
    planner.plan(now=NOW)
    return learner, Reminder.objects.get(recipient=learner)


def test_a_reminder_is_sent_once_with_text_and_html(due_in):
    """Sent, marked sent with its Message-ID; a second send does nothing."""
    learner, reminder = _planned(due_in, 1)
    assert sending.send_one(reminder.pk, now=NOW) == "sent"
    assert sending.send_one(reminder.pk, now=NOW) == "skipped"
    (message,) = mail.outbox
    assert message.to == [learner.email]
    assert "due in 1 day" in message.subject
    assert "/series/working-with-survivors/resume/" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert "List-Unsubscribe" not in message.extra_headers  # assigned training: not optional
    reminder.refresh_from_db()
    assert reminder.status == "sent" and reminder.message_id == message.extra_headers["Message-ID"]


def test_optional_kinds_carry_one_click_unsubscribe(due_in):
    """Inactive nudges carry List-Unsubscribe and List-Unsubscribe-Post headers and a link."""
    learner = due_in(20)
    from courses.models import Enrollment

    Enrollment.objects.filter(user=learner).update(
        started_at=NOW - timedelta(days=20), last_activity_at=NOW - timedelta(days=20)
    )
    planner.plan(now=NOW)
    reminder = Reminder.objects.get(recipient=learner, kind="inactive")
    sending.send_one(reminder.pk, now=NOW)
    (message,) = mail.outbox
    url = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in message.body
    assert "/reminders/unsubscribe/" in url


def _refuse(code, text):
    def send(self, *args, **kwargs):
        raise smtplib.SMTPResponseException(code, text)

    return send


def test_a_temporary_smtp_failure_is_retried_later(due_in, monkeypatch):
    """451: queued again with a back-off; the retry delivers."""
    _, reminder = _planned(due_in)
    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", _refuse(451, b"later"))
    assert sending.send_one(reminder.pk, now=NOW) == "retry"
    reminder.refresh_from_db()
    assert reminder.status == "queued" and reminder.next_attempt_at > NOW
    assert "451" in reminder.last_error
    assert sending.send_one(reminder.pk, now=NOW) == "skipped"  # not before its time
    monkeypatch.undo()
    assert sending.send_one(reminder.pk, now=reminder.next_attempt_at) == "sent"
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("sent", 2)


def test_a_permanent_smtp_failure_is_not_retried(due_in, monkeypatch):
    """550: failed at once, with the error recorded."""
    _, reminder = _planned(due_in)
    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", _refuse(550, b"no user"))
    assert sending.send_one(reminder.pk, now=NOW) == "failed"
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("failed", 1)
    assert "550" in reminder.last_error
    assert planner.due_ids(now=NOW + timedelta(days=1)) == []


def test_retries_stop_after_the_last_attempt(due_in, monkeypatch, settings):
    """Nothing is retried forever."""
    settings.LMS_REMINDER_MAX_ATTEMPTS = 3
    _, reminder = _planned(due_in)
    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", _refuse(421, b"busy"))
    outcomes = []
    when = NOW
    for _ in range(3):
        outcomes.append(sending.send_one(reminder.pk, now=when))
        when += timedelta(days=1)
    assert outcomes == ["retry", "retry", "failed"]


@pytest.fixture
def at_now(monkeypatch):
    """The clock reads NOW (Monday 09:00 in the agency), as in the planner tests."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)


def test_send_reminders_command_plans_and_sends_one_round(due_in, capsys, at_now):
    """The command ignores the hour window and sends everything due, once."""
    for days in (7, 0, -2):
        due_in(days)
    call_command("send_reminders")
    assert "sent this round: 4 sent" in capsys.readouterr().out  # three learners and a digest
    assert len(mail.outbox) == 4
    call_command("send_reminders")
    assert len(mail.outbox) == 4


def test_send_reminders_async_hands_rows_to_the_workers(
    due_in, django_capture_on_commit_callbacks, at_now
):
    """With --async the rows are enqueued after commit (eager in tests, so they are sent)."""
    due_in(0)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("send_reminders", "--async")
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1


def test_a_failed_row_can_be_retried_from_the_admin(
    due_in, client, monkeypatch, django_capture_on_commit_callbacks
):
    """The admin action queues failed rows again and hands them to the workers."""
    from tests import factories

    _, reminder = _planned(due_in)
    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", _refuse(550, b"no user"))
    sending.send_one(reminder.pk, now=NOW)
    monkeypatch.undo()
    client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    listing = client.get("/admin/reminders/reminder/?status__exact=failed&kind__exact=due_today")
    assert listing.status_code == 200 and b"1 reminder" in listing.content
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            "/admin/reminders/reminder/",
            {"action": "retry", "_selected_action": [reminder.pk]},
            follow=True,
        )
    assert b"1 reminder queued again." in response.content
    assert len(callbacks) == 1  # handed to the workers after the admin's transaction commits
    reminder.refresh_from_db()
    assert reminder.status == "sent"


def test_a_batch_reads_its_rows_once_and_writes_one_statement_per_row(due_in, at_now):
    """Three learners due: one read for the batch, then per row its claim, which reads whether
    the row may go and, on PostgreSQL, records the row sent before it; the last row's record on
    its own. On SQLite a record and the next claim are two statements in one transaction."""
    learners = [due_in(days) for days in (7, 0, -2)]
    planner.plan(now=NOW)
    ids = list(
        Reminder.objects.filter(recipient__in=learners).order_by("pk").values_list("pk", flat=True)
    )
    assert len(ids) == 3
    with CaptureQueriesContext(connection) as queries:
        assert sending.send_batch(ids) == {"sent": 3}
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    folded = connection.vendor == "postgresql"
    assert len(statements) == (1 + len(ids) + 1 if folded else 1 + 2 * len(ids))
    assert statements[0].startswith("SELECT")
    assert all(sql.startswith(("UPDATE", "WITH")) for sql in statements[1:])
    assert sorted(message.to[0] for message in mail.outbox) == sorted(u.email for u in learners)
    rows = Reminder.objects.filter(pk__in=ids)
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    assert len({row.message_id for row in rows}) == 3
    assert sending.send_batch(ids) == {"skipped": 3}
    assert len(mail.outbox) == 3


def test_a_batch_stops_a_row_whose_recipient_left_after_the_batch_was_read(
    due_in, monkeypatch, at_now
):
    """The batch's read is older than each claim: a deactivation or a removal that commits in
    between is seen by the claim itself, and that row is cancelled, not sent."""
    from accounts.models import Membership

    gone, removed, stays = (due_in(0) for _ in range(3))
    planner.plan(now=NOW)
    ids = list(Reminder.objects.order_by("pk").values_list("pk", flat=True))
    read_batch = sending.read_batch

    def read_then_change(reminder_ids):
        rows = read_batch(reminder_ids)
        type(gone).objects.filter(pk=gone.pk).update(is_active=False)
        Membership.objects.filter(user=removed).delete()
        return rows

    monkeypatch.setattr(sending, "read_batch", read_then_change)
    assert sending.send_batch(ids) == {"sent": 1, "cancelled": 2}
    assert [message.to for message in mail.outbox] == [[stays.email]]
    errors = dict(Reminder.objects.values_list("recipient_id", "last_error"))
    assert (errors[gone.pk], errors[removed.pk]) == (DEACTIVATED, LEFT_AGENCY)


def test_a_batch_skips_a_row_another_worker_claimed_after_the_batch_was_read(
    due_in, monkeypatch, at_now
):
    """Read by two batches, sent by the first claim only."""
    learner = due_in(0)
    planner.plan(now=NOW)
    (pk,) = Reminder.objects.filter(recipient=learner).values_list("pk", flat=True)
    read_batch = sending.read_batch

    def read_then_lose_the_race(reminder_ids):
        rows = read_batch(reminder_ids)
        assert sending.send_one(pk, now=NOW) == "sent"  # the other worker
        return rows

    monkeypatch.setattr(sending, "read_batch", read_then_lose_the_race)
    assert sending.send_batch([pk]) == {"skipped": 1}
    assert len(mail.outbox) == 1
    assert Reminder.objects.get(pk=pk).attempts == 1
