"""Thin tasks of the accounts app."""

import smtplib

from celery import shared_task
from django.core.management import call_command

from accounts import lockout
from accounts.notices import lockout_notice_send


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """The beat's daily job: delete expired sessions from the session store (``clearsessions``)
    and forget failed sign-ins the cool-off has made moot."""
    call_command("clearsessions")
    lockout.signin_locks_prune()


@shared_task(
    ignore_result=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    max_retries=5,
)
def send_lockout_notice(lock_id: int) -> None:
    """Email the owner that their account was locked (nothing for an email of no account)."""
    lockout_notice_send(lock_id=lock_id)
