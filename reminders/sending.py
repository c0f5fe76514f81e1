"""The sender: claims an outbox row, sends its email, records the outcome.

A row is claimed by a conditional UPDATE (queued → sending), so two workers never send the same
row. A worker killed between sending and recording leaves the row “sending”; the sweep puts it
back after a timeout, so that one message may go out twice, never more.

The sends of one task share one SMTP connection (``Mailer``): opened at the first send, closed at
the end of the batch, dropped after any failed send so that the next row opens a fresh one. SMTP
answers each message before the next begins, so a message is out (or refused) when ``send``
returns, exactly as with a connection of its own.

A database restart is waited out, not turned into a failure: each database step of a send (the
claim, the reads that build the message, the record of the outcome) is tried again on a lost
connection for up to ``LMS_REMINDER_DATABASE_WAIT_SECONDS``. Above all the record of a message
already sent, which would otherwise leave the row “sending” and the sweep would send it again.
"""

from __future__ import annotations

import contextlib
import random
import smtplib
import time
import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any, TypeVar

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from courses.models import EnrollmentStatus
from reminders.models import Reminder
from reminders.services import DEACTIVATED, LEFT_AGENCY

UNSUBSCRIBE_SALT = "reminders.unsubscribe"
T = TypeVar("T")


class _Permanent(Exception):
    pass


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> dict:
    return signing.loads(token, salt=UNSUBSCRIBE_SALT)


def _absolute(path: str) -> str:
    return settings.LMS_BASE_URL.rstrip("/") + path


def build_message(reminder: Reminder) -> EmailMultiAlternatives:
    """The email for one outbox row: text and HTML parts, times in the agency's time zone."""
    zone = zoneinfo.ZoneInfo(reminder.agency.timezone)
    enrollment = reminder.enrollment
    context: dict[str, Any] = {
        "reminder": reminder,
        "recipient": reminder.recipient,
        "agency": reminder.agency,
        "enrollment": enrollment,
        "series": enrollment.series if enrollment else None,
        "today": reminder.agency.today(),
        "preferences_url": _absolute(reverse("reminders:preferences")),
    }
    if enrollment is not None:
        context["resume_url"] = _absolute(
            reverse("courses:series-resume", kwargs={"series_slug": enrollment.series.slug})
        )
        context["last_activity"] = (
            enrollment.last_activity_at.astimezone(zone) if enrollment.last_activity_at else None
        )
        context["supervisor"] = reminder.sent_by
        context["overdue"] = bool(enrollment.due_on and enrollment.due_on < context["today"])
    else:
        from supervision.selectors import enrollments_for_supervisor, status_q

        overdue = enrollments_for_supervisor(
            supervisor=reminder.recipient, agency=reminder.agency
        ).filter(status_q(EnrollmentStatus.OVERDUE, context["today"]))
        context["overdue"] = list(overdue.select_related("user", "series").order_by("due_on")[:50])
        context["overdue_total"] = overdue.count()
        context["dashboard_url"] = _absolute(reverse("agency:dashboard"))
    headers = {}
    if reminder.kind in Reminder.OPTIONAL_KINDS:
        token = unsubscribe_token(user_id=reminder.recipient_id, kind=reminder.kind)
        url = _absolute(reverse("reminders:unsubscribe", kwargs={"token": token}))
        context["unsubscribe_url"] = url
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    template = f"emails/reminders/{reminder.kind}"
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"{template}.txt", context),
        to=[reminder.recipient.email],
        headers={**headers, "Message-ID": make_msgid(domain="training-tracker")},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message


class Mailer:
    """One SMTP connection for the sends of a batch (Django's ``get_connection()``).

    Opened at the first send, not before: a batch whose rows are all skipped opens none. After a
    failed send the connection is closed and forgotten, whatever the error (its state is then
    unknown: a 421, a reset, a timeout), so one broken connection fails the row that was being
    sent and the next row opens a new one. ``opened`` counts the connections opened."""

    def __init__(self) -> None:
        self.backend: BaseEmailBackend | None = None
        self.opened = 0

    def send(self, message: EmailMessage) -> None:
        """Send ``message`` on the batch's connection, opening one if there is none. Raises what
        the backend raised, as ``message.send()`` would."""
        try:
            if self.backend is None:
                backend = get_connection()
                backend.open()
                self.backend = backend
                self.opened += 1
            message.connection = self.backend
            message.send()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        backend, self.backend = self.backend, None
        if backend is not None:
            # A connection that broke may fail its QUIT too: it is closed either way.
            with contextlib.suppress(Exception):
                backend.close()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _member_as(role: str) -> Exists:
    """For a query over reminders: the recipient holds ``role`` in the row's agency."""
    return Exists(
        Membership.objects.filter(
            user_id=OuterRef("recipient_id"), agency_id=OuterRef("agency_id"), role=role
        )
    )


def _not_wanted(reminder: Reminder) -> str | None:
    """Why a claimed row must not be sent after all, or None. Checked at sending time as well
    as when the account or membership ends: a row the planner wrote a moment before either
    change committed is stopped here."""
    if not reminder.recipient.is_active:
        return DEACTIVATED
    # Annotated by send_one: a digest is for the agency's supervisors, the rest for learners.
    role = "as_supervisor" if reminder.kind == Reminder.Kind.DIGEST else "as_learner"
    if not getattr(reminder, role):
        return LEFT_AGENCY
    return None


def _backoff(attempts: int) -> timedelta:
    base = settings.LMS_REMINDER_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=base * random.uniform(0.5, 1.5))  # noqa: S311 (jitter, not secrets)


def _waiting_out_restarts(step: Callable[[], T]) -> T:
    """Run one database step of a send; on a lost or refused connection (the database is
    restarting), reconnect and run it again, for up to ``LMS_REMINDER_DATABASE_WAIT_SECONDS``.
    Every step given here is safe to repeat. Inside a transaction there is nothing to resume:
    the error is raised at once."""
    deadline = time.monotonic() + settings.LMS_REMINDER_DATABASE_WAIT_SECONDS
    pause = 0.2
    while True:
        try:
            return step()
        except (OperationalError, InterfaceError):
            if connection.in_atomic_block or time.monotonic() + pause > deadline:
                raise
        with contextlib.suppress(DatabaseError):
            connection.close()  # the next query opens a new connection
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


def _claim(pk: int, now: datetime) -> bool:
    """queued → sending, if the row is queued and due. Repeated after a lost connection, it
    first asks whether the lost UPDATE had landed: the row is then ours (its ``claimed_at``
    is this attempt's ``now``)."""
    tries = 0

    def claim() -> bool:
        nonlocal tries
        tries += 1
        mine = Reminder.objects.filter(pk=pk, status=Reminder.Status.SENDING, claimed_at=now)
        if tries > 1 and mine.exists():
            return True
        return (
            Reminder.objects.filter(pk=pk, status=Reminder.Status.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .update(status=Reminder.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
            == 1
        )

    return _waiting_out_restarts(claim)


def send_one(pk: int, *, now: datetime | None = None, mailer: Mailer | None = None) -> str:
    """Claim, send and record one reminder. Returns what happened to it. With ``mailer`` the
    email goes on the batch's connection, otherwise on one opened for it alone."""
    now = now or timezone.now()
    if not _claim(pk, now):
        return "skipped"
    reminder = _waiting_out_restarts(
        lambda: (
            Reminder.objects.select_related("recipient", "agency", "enrollment__series", "sent_by")
            .annotate(
                as_learner=_member_as(Membership.Role.LEARNER),
                as_supervisor=_member_as(Membership.Role.SUPERVISOR),
            )
            .get(pk=pk)
        )
    )
    if (why := _not_wanted(reminder)) is not None:
        _waiting_out_restarts(
            lambda: Reminder.objects.filter(pk=pk).update(
                status=Reminder.Status.CANCELLED, last_error=why
            )
        )
        return "cancelled"
    try:
        message = _waiting_out_restarts(lambda: build_message(reminder))
    except (OperationalError, InterfaceError):
        raise  # still no database: the row stays “sending” until the sweep's timeout
    except Exception as exc:  # a broken template or bad data will not mend itself on retry
        return _failed(reminder, repr(exc), permanent=True, now=now)
    try:
        if mailer is not None:
            mailer.send(message)
        else:
            message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        # Refused at RCPT TO, where servers refuse an unknown user: the answers are per
        # recipient, not an SMTPResponseException. Permanent when every one of them is a 5xx.
        answers = exc.recipients.values()
        return _failed(
            reminder,
            "; ".join(f"{code} {text!r}" for code, text in answers),
            permanent=all(code >= 500 for code, _ in answers),
            now=now,
        )
    except smtplib.SMTPResponseException as exc:
        return _failed(
            reminder, f"{exc.smtp_code} {exc.smtp_error!r}", permanent=exc.smtp_code >= 500, now=now
        )
    except (smtplib.SMTPException, OSError) as exc:
        return _failed(reminder, repr(exc), permanent=False, now=now)
    except Exception as exc:  # a message that cannot be sent as built will not mend itself
        return _failed(reminder, repr(exc), permanent=True, now=now)
    _waiting_out_restarts(
        lambda: Reminder.objects.filter(pk=pk).update(
            status=Reminder.Status.SENT,
            sent_at=timezone.now(),
            message_id=message.extra_headers["Message-ID"],
            last_error="",
        )
    )
    return "sent"


def _failed(reminder: Reminder, error: str, *, permanent: bool, now: datetime) -> str:
    rows = Reminder.objects.filter(pk=reminder.pk)
    if permanent or reminder.attempts >= settings.LMS_REMINDER_MAX_ATTEMPTS:
        _waiting_out_restarts(
            lambda: rows.update(status=Reminder.Status.FAILED, last_error=error[:2000])
        )
        return "failed"
    retry_at = now + _backoff(reminder.attempts)
    _waiting_out_restarts(
        lambda: rows.update(
            status=Reminder.Status.QUEUED,
            next_attempt_at=retry_at,
            last_error=error[:2000],
            published_at=None,  # this task is spent: the sweep hands the retry over when due
        )
    )
    return "retry"
