"""A send task's batch on one SMTP connection, and the sweep that publishes a queued row again only
once no task in the broker can still carry it."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from reminders import planner, sending, tasks
from reminders.models import Reminder
from tests.reminders.conftest import NOW
from tests.reminders.mail_backend import CountingBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def counting(settings):
    settings.EMAIL_BACKEND = "tests.reminders.mail_backend.CountingBackend"
    CountingBackend.reset()
    yield CountingBackend
    CountingBackend.reset()


def _planned(due_in, count: int) -> list[int]:
    for _ in range(count):
        due_in(0)
    planner.plan(now=NOW)
    return list(Reminder.objects.order_by("pk").values_list("pk", flat=True))


def test_a_batch_is_sent_on_one_smtp_connection(due_in, counting):
    """Five rows, one task: one connection opened, five emails, five rows sent."""
    ids = _planned(due_in, 5)
    assert tasks.send_reminders(ids) == {"sent": 5}
    assert counting.opened == 1
    assert len(mail.outbox) == 5
    assert Reminder.objects.filter(status=Reminder.Status.SENT).count() == 5


def test_a_batch_with_nothing_to_send_opens_no_connection(due_in, counting):
    """Rows already sent are skipped by their claim, and no connection is opened for them."""
    ids = _planned(due_in, 3)
    tasks.send_reminders(ids)
    counting.reset()
    assert tasks.send_reminders(ids) == {"skipped": 3}
    assert counting.opened == 0
    assert len(mail.outbox) == 3


def test_a_connection_lost_mid_batch_retries_only_that_row(due_in, counting):
    """The connection drops at the third send: that row is queued for a retry with a back-off,
    the next rows go out on a new connection, and every recipient gets one email in the end."""
    ids = _planned(due_in, 5)
    counting.reset(break_on={3})
    assert tasks.send_reminders(ids) == {"sent": 4, "retry": 1}
    assert counting.opened == 2
    (retry,) = Reminder.objects.exclude(status=Reminder.Status.SENT)
    assert retry.pk == ids[2]
    assert (retry.status, retry.attempts) == (Reminder.Status.QUEUED, 1)
    assert retry.next_attempt_at > timezone.now()
    assert "SMTPServerDisconnected" in retry.last_error
    assert len(mail.outbox) == 4
    # The same task delivered again (a second publish): nothing is sent twice, nor early.
    assert tasks.send_reminders(ids) == {"skipped": 5}
    assert len(mail.outbox) == 4
    assert sending.send_one(retry.pk, now=retry.next_attempt_at) == "sent"
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted(Reminder.objects.values_list("recipient__email", flat=True))
    assert len(set(recipients)) == 5


def test_a_connection_that_cannot_be_opened_fails_no_row_for_good(due_in, counting, monkeypatch):
    """The SMTP server refuses connections: every row of the batch is queued for a retry (each
    tried on a connection of its own), none failed, none sent."""

    def refused(self):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(CountingBackend, "open", refused)
    ids = _planned(due_in, 3)
    assert tasks.send_reminders(ids) == {"retry": 3}
    assert set(Reminder.objects.values_list("status", flat=True)) == {Reminder.Status.QUEUED}
    assert mail.outbox == []


# --- the sweep --------------------------------------------------------------------------------


@pytest.fixture
def broker(monkeypatch):
    """The broker's side: the chunks handed to it, in order (nothing is run)."""
    published: list[list[int]] = []
    monkeypatch.setattr("reminders.tasks.send_reminders.delay", published.append)
    return published


def _published(ids_lists: list[list[int]]) -> list[int]:
    return sorted(pk for ids in ids_lists for pk in ids)


def test_an_immediate_sweep_publishes_nothing_already_published(
    due_in, broker, django_capture_on_commit_callbacks
):
    """The planner's publish records when; a sweep right after hands nothing over again."""
    ids = _planned(due_in, 3)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.enqueue(planner.due_ids()) == 3
    assert _published(broker) == ids
    assert Reminder.objects.filter(published_at__isnull=True).count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_reminders() == 0
    assert _published(broker) == ids


def test_the_sweep_publishes_again_only_after_the_visibility_window(
    due_in, broker, django_capture_on_commit_callbacks
):
    """A row published longer ago than the broker's visibility timeout is handed over again;
    one published just inside it is not."""
    old, recent = _planned(due_in, 2)
    window = tasks.visibility_window()
    assert window == timedelta(seconds=3600)  # CELERY_BROKER_TRANSPORT_OPTIONS
    now = timezone.now()
    Reminder.objects.filter(pk=old).update(published_at=now - window - timedelta(seconds=5))
    Reminder.objects.filter(pk=recent).update(published_at=now - window + timedelta(seconds=60))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_reminders() == 1
    assert broker == [[old]]
    assert Reminder.objects.get(pk=old).published_at >= now


def test_the_window_is_the_celery_apps_visibility_timeout(due_in, broker, monkeypatch):
    """Read from the app's ``broker_transport_options``, not a constant of our own."""
    (pk,) = _planned(due_in, 1)
    Reminder.objects.filter(pk=pk).update(published_at=timezone.now() - timedelta(seconds=90))
    assert planner.unpublished_ids(window=tasks.visibility_window()) == []
    # The app was configured from Django's settings (namespace CELERY): its key is the setting's.
    monkeypatch.setitem(
        tasks.send_reminders.app.conf,
        "CELERY_BROKER_TRANSPORT_OPTIONS",
        {"visibility_timeout": 60},
    )
    assert tasks.visibility_window() == timedelta(seconds=60)
    assert planner.unpublished_ids(window=tasks.visibility_window()) == [pk]


def test_a_row_whose_publish_failed_is_published_by_the_next_sweep(
    due_in, monkeypatch, django_capture_on_commit_callbacks
):
    """Broker down: the row is not marked published, and the next sweep hands it over."""
    (pk,) = _planned(due_in, 1)

    def unreachable(ids):
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("reminders.tasks.send_reminders.delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue([pk])
    assert Reminder.objects.get(pk=pk).published_at is None
    published: list[list[int]] = []
    monkeypatch.setattr("reminders.tasks.send_reminders.delay", published.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_reminders() == 1
    assert published == [[pk]]
    assert Reminder.objects.get(pk=pk).published_at is not None


def test_a_retry_is_published_by_the_sweep_once_its_back_off_has_passed(
    due_in, broker, counting, django_capture_on_commit_callbacks
):
    """A row published, then put back for a retry, is carried by no task: the sweep hands it
    over once its back-off has passed (not before), although its last publish is recent."""
    (pk,) = _planned(due_in, 1)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue([pk])
    counting.reset(break_on={1})
    assert tasks.send_reminders([pk]) == {"retry": 1}
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_reminders() == 0  # the back-off has not passed
    Reminder.objects.filter(pk=pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_reminders() == 1
    assert broker == [[pk], [pk]]


def test_a_row_the_sweep_takes_back_from_a_dead_worker_is_published_again(
    due_in, broker, django_capture_on_commit_callbacks, settings
):
    """Left “sending” past the timeout: re-queued and handed over by the same sweep."""
    (pk,) = _planned(due_in, 1)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue([pk])
    stale = timezone.now() - timedelta(seconds=settings.LMS_REMINDER_SENDING_TIMEOUT_SECONDS + 1)
    Reminder.objects.filter(pk=pk).update(status=Reminder.Status.SENDING, claimed_at=stale)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_reminders() == 1
    assert broker == [[pk], [pk]]


def test_the_planners_task_publishes_fresh_rows_once(
    due_in, broker, django_capture_on_commit_callbacks, monkeypatch
):
    """The beat's plan task hands its new rows over; run again, it does not repeat them."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    due_in(0)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.plan_reminders(ignore_window=True) == 1
    first = _published(broker)
    assert first == list(Reminder.objects.values_list("pk", flat=True))
    due_in(0)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.plan_reminders(ignore_window=True) == 1
    assert len(_published(broker)) == 2 and set(first) < set(_published(broker))


def test_a_row_claimed_while_being_published_is_not_marked_published(
    due_in, monkeypatch, django_capture_on_commit_callbacks, counting
):
    """The worker takes the task at once and puts the row back for a retry before the publish
    is recorded: the row stays unpublished, so the sweep hands the retry over when due."""
    (pk,) = _planned(due_in, 1)
    counting.reset(break_on={1})
    monkeypatch.setattr("reminders.tasks.send_reminders.delay", tasks.send_reminders)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue([pk])
    reminder = Reminder.objects.get(pk=pk)
    assert (reminder.status, reminder.published_at) == (Reminder.Status.QUEUED, None)
