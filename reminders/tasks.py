"""Thin tasks: plan, sweep, send. Each takes primary keys or nothing and is safe to repeat."""

from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction

from reminders import planner, sending


@shared_task(ignore_result=True)
def send_reminders(reminder_ids: list[int]) -> dict[str, int]:
    outcome: dict[str, int] = {}
    for pk in reminder_ids:
        result = sending.send_one(pk)
        outcome[result] = outcome.get(result, 0) + 1
    return outcome


def enqueue(reminder_ids: list[int]) -> int:
    """Hand the rows to the workers in chunks, after the surrounding transaction commits."""
    chunk = settings.LMS_REMINDER_CHUNK
    for start in range(0, len(reminder_ids), chunk):
        ids = reminder_ids[start : start + chunk]
        transaction.on_commit(partial(send_reminders.delay, ids))
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
