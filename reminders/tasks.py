"""Thin tasks: plan, sweep, send. Each takes primary keys or nothing and is safe to repeat."""

import logging
from datetime import timedelta
from functools import partial

import redis
from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from reminders import planner, sending
from reminders.models import Reminder

logger = logging.getLogger(__name__)

# A key the sweep keeps in the broker's Redis database: gone means Redis lost its data (restarted
# without persistence, or flushed), and with it every task waiting there.
BROKER_MARK = "lms:reminders:broker-mark"
# Kombu's own default for the Redis transport, when the settings name none.
DEFAULT_VISIBILITY_TIMEOUT = 3600


@shared_task(ignore_result=True)
def send_reminders(reminder_ids: list[int]) -> dict[str, int]:
    """Send the rows, one claim each, on one SMTP connection for the batch."""
    return sending.send_batch(reminder_ids)


def visibility_window() -> timedelta:
    """The broker's visibility timeout (``CELERY_BROKER_TRANSPORT_OPTIONS``): how long Redis
    holds a task a worker took without acknowledging before it delivers it again."""
    options = send_reminders.app.conf.broker_transport_options or {}
    return timedelta(seconds=options.get("visibility_timeout", DEFAULT_VISIBILITY_TIMEOUT))


def _publish(reminder_ids: list[int]) -> None:
    """Hand one chunk to the workers and record when. A broker that cannot be reached loses
    nothing and fails nobody's request: the rows stay queued, unpublished, and the beat's sweep
    hands them over."""
    started = timezone.now()
    try:
        send_reminders.delay(reminder_ids)
    except BrokerUnreachable:
        logger.warning(
            "The broker is unreachable: %d reminder(s) stay queued for the sweep.",
            len(reminder_ids),
            exc_info=True,
        )
        return
    try:
        # Not the rows a worker claimed since: it may have taken the task already, and a row it
        # put back for a retry is carried by no task and must not look published.
        Reminder.objects.filter(pk__in=reminder_ids, status=Reminder.Status.QUEUED).filter(
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=started)
        ).update(published_at=started)
    except DatabaseError:
        # Unrecorded, the rows look never published: the next sweep hands them over once more,
        # and the claim sends each once.
        logger.warning("Could not record %d publish(es).", len(reminder_ids), exc_info=True)


def enqueue(reminder_ids: list[int]) -> int:
    """Hand the rows to the workers in chunks, after the surrounding transaction commits."""
    chunk = settings.LMS_REMINDER_CHUNK
    for start in range(0, len(reminder_ids), chunk):
        ids = reminder_ids[start : start + chunk]
        transaction.on_commit(partial(_publish, ids))
    return len(reminder_ids)


def broker_kept_its_tasks() -> bool:
    """Whether the broker still holds the tasks published to it: False once after its Redis
    lost its data (the mark this sets is gone with them) or when Redis cannot be asked. Always
    True for a broker other than Redis, or none (tasks run eagerly, in the embedded default)."""
    conf = send_reminders.app.conf
    url = str(conf.broker_url or "")
    if conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return True
    try:
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        with client:
            return not client.set(BROKER_MARK, "1", nx=True)
    except redis.RedisError:
        return False


@shared_task(ignore_result=True)
def plan_reminders(ignore_window: bool = False) -> int:
    """The beat's job: write what is due, then hand the rows no task carries to the workers."""
    planner.plan(ignore_window=ignore_window)
    return enqueue(planner.unpublished_ids(window=visibility_window()))


@shared_task(ignore_result=True)
def sweep_reminders() -> int:
    """Re-queue rows stuck in “sending” (a worker died), then hand over the queued rows no task
    in the broker carries: new or retries now due, and those published longer ago than the
    visibility timeout. Every due row when the broker lost its tasks (a Redis restart)."""
    planner.sweep()
    if broker_kept_its_tasks():
        return enqueue(planner.unpublished_ids(window=visibility_window()))
    logger.warning("The broker lost its tasks (restarted empty?): every queued row is handed over.")
    return enqueue(planner.due_ids())
