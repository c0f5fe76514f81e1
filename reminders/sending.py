"""The sender: claims an outbox row, sends its email, records the outcome.

A row is claimed by a conditional UPDATE (queued → sending), so two workers never send the same
row. A worker killed between sending and recording leaves the row “sending”; the sweep puts it
back after a timeout, so that one message may go out twice, never more.

A task's rows are read in one query before any is claimed (``read_batch``: the recipient, agency,
enrollment and series a message is built from). Each row is then claimed on its own, just before
its email is built and sent, by one statement that also reads what decides whether it may still
go (the account active, the recipient still in the agency's role): what changes after the batch
was read is seen there. On PostgreSQL the same statement records the row sent before it (on
SQLite, the same transaction): one literal statement and one commit per row, nothing compiled.

The sends of one task share one SMTP connection (``Mailer``): opened at the first send, closed at
the end of the batch, dropped after any failed send so that the next row opens a fresh one. SMTP
answers each message before the next begins, so a message is out (or refused) when ``send``
returns, exactly as with a connection of its own. On the SMTP backend a reminder's bytes are
written by ``reminders.mime.compose`` (the same message as Django's MIME classes write, at a
tenth of their cost); anything else goes through the backend as usual.

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
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any, TypeVar

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership
from courses.models import EnrollmentStatus
from lms.urltag import reverse_remembered
from reminders.mime import compose
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
    """The email for one outbox row: text and HTML parts, times in the agency's time zone, in
    the recipient's preferred language (English when they chose none: no browser to ask)."""
    with translation.override(reminder.recipient.language):
        return _build_message(reminder)


def _build_message(reminder: Reminder) -> EmailMultiAlternatives:
    zone = zoneinfo.ZoneInfo(reminder.agency.timezone)
    enrollment = reminder.enrollment
    context: dict[str, Any] = {
        "reminder": reminder,
        "recipient": reminder.recipient,
        "agency": reminder.agency,
        "enrollment": enrollment,
        "series": enrollment.series if enrollment else None,
        "today": reminder.agency.today(),
        # Links every message shares, reversed once (else a tenth of building a message).
        "preferences_url": _absolute(reverse_remembered("reminders:preferences")),
    }
    if enrollment is not None:
        context["resume_url"] = _absolute(
            reverse_remembered(
                "courses:series-resume", kwargs={"series_slug": enrollment.series.slug}
            )
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
        context["dashboard_url"] = _absolute(reverse_remembered("agency:dashboard"))
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
            backend = self.backend
            if (
                isinstance(backend, SMTPBackend)
                and (smtp := backend.connection) is not None
                and (envelope := compose(message)) is not None
            ):
                # What the SMTP backend's send_messages does, the message written directly.
                smtp.sendmail(envelope.from_addr, envelope.to_addrs, envelope.data)
            else:
                message.connection = backend
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


def _not_wanted(*, is_active: bool, member: bool) -> str | None:
    """Why a claimed row must not be sent after all, or None. Checked at sending time (read by
    the claim itself) as well as when the account or membership ends: a row the planner wrote a
    moment before either change committed is stopped here."""
    if not is_active:
        return DEACTIVATED
    if not member:
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


def _one_line(sql: str) -> str:
    """SQL written over several lines, as one line (as the ORM writes it, and logs show it)."""
    return " ".join(sql.split())


# queued → sending, if queued and due. Returned as it is taken: the attempt it starts, whether
# the recipient's account is active, and whether they still hold the row's role in its agency (a
# digest is for the agency's supervisors, the rest for learners). The second branch matches only
# when given the status "sending": a repeated claim, after a lost answer, finds the row it took
# (claimed at the same instant) and takes it again without counting a second attempt. One CASE
# over the status, not an OR of conditions: nothing but the primary key can then find the row
# (with the statistics of before a planning burst, PostgreSQL would take the status index and
# read every queued row to find this one).
_CLAIM = _one_line(
    """
    UPDATE "reminders_reminder"
    SET "status" = %s, "claimed_at" = %s,
        "attempts" = CASE WHEN "status" = %s THEN "attempts" + 1 ELSE "attempts" END
    WHERE "id" = %s AND CASE "status"
        WHEN %s THEN "next_attempt_at" IS NULL OR "next_attempt_at" <= %s
        WHEN %s THEN "claimed_at" = %s
        ELSE FALSE
    END
    RETURNING
        "attempts",
        (SELECT "is_active" FROM "accounts_user" WHERE "id" = "reminders_reminder"."recipient_id"),
        EXISTS (
            SELECT 1 FROM "accounts_membership"
            WHERE "user_id" = "reminders_reminder"."recipient_id"
              AND "agency_id" = "reminders_reminder"."agency_id"
              AND "role" = CASE WHEN "reminders_reminder"."kind" = %s THEN %s ELSE %s END
        )
    """
)
_RECORD_SENT = _one_line(
    """
    UPDATE "reminders_reminder" SET "status" = %s, "sent_at" = %s, "message_id" = %s,
    "last_error" = %s WHERE "id" = %s
    """
)
# On PostgreSQL the record of the row sent last goes in the same statement as the next claim (a
# data-modifying WITH): one statement and one commit per row, not two. SQLite has no UPDATE in
# WITH; there the two run in one transaction.
_RECORD_THEN_CLAIM = _one_line('WITH "recorded" AS (' + _RECORD_SENT + ") " + _CLAIM)
# Plain strings: psycopg dumps an Enum by its name, and TextChoices are Enums.
_SENDING, _QUEUED, _SENT = (
    str(status.value)
    for status in (Reminder.Status.SENDING, Reminder.Status.QUEUED, Reminder.Status.SENT)
)
_CLAIMED_PARAMS = (
    str(Reminder.Kind.DIGEST.value),
    str(Membership.Role.SUPERVISOR.value),
    str(Membership.Role.LEARNER.value),
)


@dataclass(frozen=True)
class _Claim:
    attempts: int
    is_active: bool
    member: bool


class _Unrecorded:
    """The row sent last whose record is not yet written: (primary key, Message-ID), or None."""

    def __init__(self) -> None:
        self.row: tuple[int, str] | None = None


def _claim(pk: int, now: datetime, unrecorded: _Unrecorded) -> _Claim | None:
    """queued → sending, if the row is queued and due; None if it is not (sent, cancelled, taken
    by another worker, not yet due). Repeated after a lost connection, it also takes the row if
    the lost UPDATE had landed (the row is then "sending" with this attempt's ``now``). One
    literal statement per row: nothing compiled per row, and no read after it.

    The row sent before it, if its record is still to be written, is recorded in the same
    statement (the same transaction on SQLite): both land or neither, and a repeat writes the
    record again, which changes nothing that matters (the same status and Message-ID)."""
    at = connection.ops.adapt_datetimefield_value(now)
    tries = 0

    def claim() -> _Claim | None:
        nonlocal tries
        tries += 1
        again = _SENDING if tries > 1 else None  # None: the second branch matches no row
        params: tuple = (_SENDING, at, _QUEUED, pk, _QUEUED, at, again, at, *_CLAIMED_PARAMS)
        with connection.cursor() as cursor:
            if unrecorded.row is None:
                cursor.execute(_CLAIM, params)
                row = cursor.fetchone()
            elif connection.vendor == "postgresql":
                cursor.execute(_RECORD_THEN_CLAIM, _record_params(*unrecorded.row) + params)
                row = cursor.fetchone()
            else:
                with transaction.atomic():
                    cursor.execute(_RECORD_SENT, _record_params(*unrecorded.row))
                    cursor.execute(_CLAIM, params)
                    row = cursor.fetchone()
        unrecorded.row = None
        return None if row is None else _Claim(row[0], bool(row[1]), bool(row[2]))

    return _waiting_out_restarts(claim)


def _read(pk: int) -> Reminder:
    return _related(Reminder.objects.filter(pk=pk)).get()


def _related(rows: QuerySet[Reminder]) -> QuerySet[Reminder]:
    """What building a message reads, besides the row: its recipient, agency, enrollment and
    series, and who sent a nudge."""
    return rows.select_related("recipient", "agency", "enrollment__series", "sent_by")


def read_batch(reminder_ids: list[int]) -> dict[int, Reminder]:
    """The rows of a batch with what their messages need, in one query, before any is claimed.
    Whether a row is still to be sent, and to whom it may go, is read by each row's claim."""
    return _waiting_out_restarts(lambda: _related(Reminder.objects.all()).in_bulk(reminder_ids))


def send_batch(reminder_ids: list[int]) -> dict[str, int]:
    """Send the rows in order, one claim each, on one SMTP connection for the batch. Returns how
    many ended each way ("sent", "skipped", ...). Each sent row is recorded by the next row's
    claim, the last one on its own: as soon after its send as when recorded alone."""
    outcome: dict[str, int] = {}
    rows = read_batch(reminder_ids)
    unrecorded = _Unrecorded()
    with Mailer() as mailer:
        try:
            for pk in reminder_ids:
                result = _send(pk, mailer=mailer, read=rows.get(pk), unrecorded=unrecorded)
                outcome[result] = outcome.get(result, 0) + 1
        finally:
            _record_sent(unrecorded)
    return outcome


def send_one(pk: int, *, now: datetime | None = None) -> str:
    """Claim, send and record one reminder, on an SMTP connection of its own. Returns what
    happened to it."""
    unrecorded = _Unrecorded()
    try:
        return _send(pk, now=now, mailer=None, read=None, unrecorded=unrecorded)
    finally:
        _record_sent(unrecorded)


def _send(
    pk: int,
    *,
    now: datetime | None = None,
    mailer: Mailer | None,
    read: Reminder | None,
    unrecorded: _Unrecorded,
) -> str:
    """Claim, send and record one reminder, leaving the record of a row sent in ``unrecorded``.
    With ``mailer`` the email goes on the batch's connection, otherwise on one opened for it
    alone. ``read`` is the row as ``read_batch`` found it; without it the row is read after the
    claim."""
    now = now or timezone.now()
    claim = _claim(pk, now, unrecorded)
    if claim is None:
        return "skipped"
    reminder = read if read is not None else _waiting_out_restarts(lambda: _read(pk))
    reminder.attempts = claim.attempts  # a batch read the row before this attempt was counted
    if (why := _not_wanted(is_active=claim.is_active, member=claim.member)) is not None:
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
    unrecorded.row = (pk, message.extra_headers["Message-ID"])
    return "sent"


def _record_params(pk: int, message_id: str) -> tuple:
    return (_SENT, connection.ops.adapt_datetimefield_value(timezone.now()), message_id, "", pk)


def _record_sent(unrecorded: _Unrecorded) -> None:
    """Write the record ``unrecorded`` holds, if any, on its own."""
    if unrecorded.row is None:
        return

    def record() -> None:
        assert unrecorded.row is not None
        with connection.cursor() as cursor:
            cursor.execute(_RECORD_SENT, _record_params(*unrecorded.row))
        unrecorded.row = None

    _waiting_out_restarts(record)


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
