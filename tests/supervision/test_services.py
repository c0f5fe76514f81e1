import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses import services as course_services
from courses.models import Enrollment
from reminders.models import Reminder
from reminders.tasks import send_reminders
from supervision import services
from tests import factories
from tests.supervision.conftest import bulk_learners

pytestmark = pytest.mark.django_db


def test_a_nudge_is_emailed_only_after_commit(
    agency, supervisor, learner, series, django_capture_on_commit_callbacks
):
    """The email leaves after the transaction commits, once, and the row says sent."""
    enrollment = course_services.enrollment_create(user=learner, series=series)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        nudge = services.nudge_send(supervisor=supervisor, agency=agency, enrollment=enrollment)
    assert len(mail.outbox) == 0
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [learner.email]
    assert series.title in message.subject
    assert "/series/working-with-survivors/resume/" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert str(supervisor) in message.body
    # A supervisor's reminder is not an optional email: no unsubscribe link.
    assert "List-Unsubscribe" not in message.extra_headers
    nudge.refresh_from_db()
    assert nudge.kind == Reminder.Kind.NUDGE and nudge.sent_by == supervisor
    assert nudge.status == Reminder.Status.SENT and nudge.sent_at is not None
    assert nudge.message_id == message.extra_headers["Message-ID"]


def test_a_second_nudge_the_same_day_is_refused(
    agency, supervisor, learner, series, django_capture_on_commit_callbacks
):
    """One reminder per learner per day, whoever sends it."""
    enrollment = course_services.enrollment_create(user=learner, series=series)
    with django_capture_on_commit_callbacks(execute=True):
        services.nudge_send(supervisor=supervisor, agency=agency, enrollment=enrollment)
    other = factories.supervisor_of(agency)
    with pytest.raises(services.NudgeRefused, match="already reminded today"):
        services.nudge_send(supervisor=other, agency=agency, enrollment=enrollment)
    assert Reminder.objects.filter(kind=Reminder.Kind.NUDGE).count() == 1
    assert len(mail.outbox) == 1


def test_a_completed_enrollment_is_not_nudged(agency, supervisor, learner, series):
    """Nobody is reminded about training they finished."""
    enrollment = course_services.enrollment_create(user=learner, series=series)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        completed_at="2026-01-01T00:00:00Z", percent_complete=100
    )
    enrollment.refresh_from_db()
    with pytest.raises(services.NudgeRefused):
        services.nudge_send(supervisor=supervisor, agency=agency, enrollment=enrollment)


def test_a_second_nudge_for_another_series_the_same_day_is_refused(
    agency, supervisor, learner, series, django_capture_on_commit_callbacks
):
    """The limit is per learner, not per enrollment: the database refuses the second row."""
    enrollment = course_services.enrollment_create(user=learner, series=series)
    other_series = factories.ComponentFactory(module__series__slug="another-series").module.series
    other = course_services.enrollment_create(user=learner, series=other_series)
    with django_capture_on_commit_callbacks(execute=True):
        services.nudge_send(supervisor=supervisor, agency=agency, enrollment=enrollment)
    with pytest.raises(services.NudgeRefused, match="already reminded today"):
        services.nudge_send(supervisor=supervisor, agency=agency, enrollment=other)


def test_the_send_task_never_sends_a_row_twice(
    agency, supervisor, learner, series, django_capture_on_commit_callbacks
):
    """Running the task again for the same rows sends nothing more."""
    enrollment = course_services.enrollment_create(user=learner, series=series)
    with django_capture_on_commit_callbacks(execute=True):
        nudge = services.nudge_send(supervisor=supervisor, agency=agency, enrollment=enrollment)
    assert send_reminders([nudge.pk]) == {"skipped": 1}
    assert len(mail.outbox) == 1


def test_a_failed_email_is_recorded_on_the_row(
    agency, supervisor, learner, series, monkeypatch, django_capture_on_commit_callbacks
):
    """A refusal by the mail server marks the nudge failed with the error; the request still
    succeeds. (Retries of temporary failures are the reminder pipeline's, tested there.)"""
    import smtplib

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPDataError(550, b"mailbox unavailable")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    enrollment = course_services.enrollment_create(user=learner, series=series)
    with django_capture_on_commit_callbacks(execute=True):
        nudge = services.nudge_send(supervisor=supervisor, agency=agency, enrollment=enrollment)
    nudge.refresh_from_db()
    assert nudge.status == Reminder.Status.FAILED
    assert "550" in nudge.last_error


@pytest.mark.parametrize("count", [40, 400])
def test_nudging_many_is_queued_in_chunks_after_commit(
    agency, supervisor, series, django_capture_on_commit_callbacks, count
):
    """Every overdue learner gets one reminder, queued in chunks of tasks after commit."""
    bulk_learners(agency, series, count)
    overdue = list(
        Enrollment.objects.filter(due_on__lt=timezone.localdate(), completed_at__isnull=True)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queued, skipped = services.nudge_many(
            supervisor=supervisor, agency=agency, enrollments=overdue
        )
    assert (queued, skipped) == (count // 4, 0)
    assert len(callbacks) == -(-queued // settings.LMS_REMINDER_CHUNK)
    again = services.nudge_many(supervisor=supervisor, agency=agency, enrollments=overdue)
    assert again == (0, count // 4)


def test_nudging_many_makes_no_query_per_learner(agency, supervisor, series):
    """Ten learners or a hundred: the same queries."""
    counts = []
    for size in (10, 100):
        prefix = f"n{size}-"
        bulk_learners(agency, series, size * 4, prefix=prefix)
        overdue = list(
            Enrollment.objects.filter(
                user__email__startswith=prefix,
                due_on__lt=timezone.localdate(),
                completed_at__isnull=True,
            )
        )
        assert len(overdue) == size
        with CaptureQueriesContext(connection) as queries:
            services.nudge_many(supervisor=supervisor, agency=agency, enrollments=overdue)
        inserts = [q for q in queries if q["sql"].startswith("INSERT")]
        # SQLite caps an INSERT at 999 parameters, so Django splits the bulk insert in blocks
        # of rows; that is per block, not per learner. Everything else is the same count.
        assert 1 <= len(inserts) <= -(-size // 50)
        counts.append(len(queries) - len(inserts))
    assert counts[0] == counts[1]
