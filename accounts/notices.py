"""Emails that tell an account's owner about its security."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import SignInLock
from accounts.selectors import learner_zones


def lockout_notice_send(*, lock_id: int) -> bool:
    """Tell the owner of a locked account what happened and what to do, once per lock.

    Claims the lock's notice first (a conditional UPDATE, so two workers never both send) and
    gives the claim back if sending fails, for the task's retry. Sends nothing for a lock on an
    email that matches no account, or one already lifted. Returns whether it sent."""
    lock = SignInLock.objects.select_related("user").filter(pk=lock_id).first()
    if lock is None or lock.user is None or lock.locked_at is None:
        return False
    claimed = SignInLock.objects.filter(
        pk=lock.pk, locked_at=lock.locked_at, notified_at__isnull=True
    ).update(notified_at=timezone.now())
    if claimed != 1:
        return False
    user = lock.user
    zone = learner_zones([user.pk])[user.pk]
    context = {
        "recipient": user,
        "locked_at": timezone.localtime(lock.locked_at, zone),
        "zone": zone.key,
        "failures": lock.failures,
        "cooloff_minutes": settings.LMS_LOCKOUT_COOLOFF_MINUTES,
        "reset_url": settings.LMS_BASE_URL.rstrip("/") + reverse("account_reset_password"),
    }
    message = EmailMessage(
        subject=render_to_string("emails/accounts/lockout_subject.txt", context).strip(),
        body=render_to_string("emails/accounts/lockout.txt", context),
        to=[user.email],
    )
    try:
        message.send()
    except Exception:
        with transaction.atomic():
            SignInLock.objects.filter(pk=lock.pk).update(notified_at=None)
        raise
    return True
