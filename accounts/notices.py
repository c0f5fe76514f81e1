"""Emails that tell an account's owner about its security."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import SignInLock
from accounts.selectors import email_language, learner_zones


def account_email_send(*, to: str, template: str, context: dict[str, Any]) -> None:
    """A message about the owner's account, in the product's words: the subject and text of
    ``templates/emails/accounts/<template>_subject.txt`` and ``<template>.txt``, the subject
    behind ``ACCOUNT_EMAIL_SUBJECT_PREFIX`` like allauth's own notices, in the language of the
    recipient (``context``'s ``user`` or ``recipient``). Raises what sending raises."""
    context = {"base_url": settings.LMS_BASE_URL, **context}
    user = context.get("user") or context.get("recipient")
    with translation.override(email_language(email=to, user=user)):
        subject = render_to_string(f"emails/accounts/{template}_subject.txt", context)
        body = render_to_string(f"emails/accounts/{template}.txt", context)
    prefix = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
    send_mail(f"{prefix}{' '.join(subject.split())}", body, None, [to])


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
    try:
        account_email_send(to=user.email, template="lockout", context=context)
    except Exception:
        with transaction.atomic():
            SignInLock.objects.filter(pk=lock.pk).update(notified_at=None)
        raise
    return True
