"""Thin tasks: plan, sweep, send. Each takes primary keys or nothing and is safe to repeat."""

import logging
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError as BrokerUnreachable

from reminders import planner, sending

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def send_reminders(reminder_ids: list[int]) -> dict[str, int]:
    outcome: dict[str, int] = {}
    for pk in reminder_ids:
        result = sending.send_one(pk)
        outcome[result] = outcome.get(result, 0) + 1
    return outcome


def _publish(reminder_ids: list[int]) -> None:
    """Hand one chunk to the workers. A broker that cannot be reached loses nothing and fails
    nobody's request: the rows stay queued in the outbox, and the beat's sweep hands every
    queued row over again."""
    try:
        send_reminders.delay(reminder_ids)
    except BrokerUnreachable:
        logger.warning(
            "The broker is unreachable: %d reminder(s) stay queued for the sweep.",
            len(reminder_ids),
            exc_info=True,
        )


def enqueue(reminder_ids: list[int]) -> int:
    """Hand the rows to the workers in chunks, after the surrounding transaction commits."""
    chunk = settings.LMS_REMINDER_CHUNK
    for start in range(0, len(reminder_ids), chunk):
        ids = reminder_ids[start : start + chunk]
        transaction.on_commit(partial(_publish, ids))
    return len(reminder_ids)


@shared_task(ignore_result=True)
def plan_reminders(ignore_window: bool = False) -> int:
    """The beat's job: write what is due, then hand every queued row to the workers."""
    planner.plan(ignore_window=ignore_window)
    return enqueue(planner.due_ids())


@shared_task(ignore_result=True)
def sweep_reminders() -> int:
    """Re-queue rows stuck in “sending” (a worker died) and hand over retries now due."""
    planner.sweep()
    return enqueue(planner.due_ids())
