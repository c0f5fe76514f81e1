"""Thin tasks: take primary keys, claim rows, call the mailer. Safe to run twice."""

import logging

from celery import shared_task
from django.utils import timezone

from supervision.emails import send_nudge_email
from supervision.models import Nudge

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def send_nudges(nudge_ids: list[int]) -> int:
    """Send each queued nudge once: a row is claimed by a conditional update before sending,
    so two workers never send the same one."""
    sent = 0
    for pk in nudge_ids:
        claimed = Nudge.objects.filter(pk=pk, status=Nudge.Status.QUEUED).update(
            status=Nudge.Status.SENDING
        )
        if claimed != 1:
            continue
        nudge = Nudge.objects.select_related("learner", "enrollment__series", "sent_by").get(pk=pk)
        try:
            send_nudge_email(nudge)
        except Exception as exc:  # recorded on the row for the supervisor and the admin
            logger.exception("Nudge %s failed", pk)
            Nudge.objects.filter(pk=pk).update(status=Nudge.Status.FAILED, last_error=str(exc))
            continue
        Nudge.objects.filter(pk=pk).update(status=Nudge.Status.SENT, sent_at=timezone.now())
        sent += 1
    return sent
