"""Thin tasks of the audit app."""

from celery import shared_task

from audit.services import audit_purge


@shared_task(ignore_result=True)
def purge_audit_log() -> int:
    """The beat's daily job: remove records past the retention period, recording the purge."""
    return audit_purge()
