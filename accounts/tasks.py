"""Thin tasks of the accounts app."""

from celery import shared_task
from django.core.management import call_command


@shared_task(ignore_result=True)
def clear_expired_sessions() -> None:
    """The beat's daily job: delete expired sessions from the session store (``clearsessions``)."""
    call_command("clearsessions")
