from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderQuerySet(models.QuerySet["Reminder"]):
    def to_learner_since(self, day_start: datetime) -> ReminderQuerySet:
        """The emails to learners that use up their one email of the day that starts at
        ``day_start``: any row about an enrollment (an automatic reminder or a supervisor's
        nudge; not a supervisor's digest) that is still to go, or was sent since. A failed or
        cancelled row reached nobody and counts for nothing."""
        return self.filter(enrollment__isnull=False).filter(
            models.Q(status__in=[Reminder.Status.QUEUED, Reminder.Status.SENDING])
            | models.Q(status=Reminder.Status.SENT, sent_at__gte=day_start)
        )


class Reminder(models.Model):
    """The outbox: one row per (recipient, enrollment, kind, step, cycle), written by the planner,
    claimed and sent by a worker. The unique row is what keeps an email from going out twice."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        DUE_TODAY = "due_today", _("Due today")
        OVERDUE = "overdue", _("Overdue")
        INACTIVE = "inactive", _("No recent progress")
        DIGEST = "digest", _("Supervisor weekly digest")
        NUDGE = "nudge", _("Reminder from a supervisor")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # Taken back before it was sent: the learner left the agency, or the account was
        # deactivated (``reminders.services.reminders_cancel``, or the sender's own check).
        CANCELLED = "cancelled", _("Canceled")

    OPTIONAL_KINDS = (Kind.INACTIVE, Kind.DIGEST)

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    enrollment = models.ForeignKey(
        "courses.Enrollment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # Which reminder of its kind: days before the due date, the overdue week, the day the
    # learner went quiet, the digest's ISO week (yyyyww), or a nudge's day (yyyymmdd, agency time).
    step = models.PositiveIntegerField(_("step"))
    cycle = models.PositiveIntegerField(_("cycle"), default=0)
    # Who asked for it, for a supervisor's nudge; the planner's rows have nobody.
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="nudges_sent",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # When a send task carrying the row was last handed to the broker (after the broker took
    # it); cleared when the row is queued again (a retry, or re-queued by the sweep), whose task
    # is then spent. The sweep publishes a queued row again only once this is older than the
    # broker's visibility timeout, when Redis itself would have redelivered a task not acked.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "enrollment", "kind", "step", "cycle"],
                condition=models.Q(enrollment__isnull=False),
                name="reminder_once_per_enrollment_step",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "step"],
                condition=models.Q(enrollment__isnull=True),
                name="reminder_once_per_digest_step",
            ),
            # A supervisor's nudge: one per learner per day, whoever sends it, for any series.
            models.UniqueConstraint(
                fields=["recipient", "step"],
                condition=models.Q(kind="nudge"),
                name="reminder_nudge_once_per_learner_day",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sending", "sent", "failed", "cancelled"]),
                name="reminder_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="reminder_sent_has_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.get_status_display()})"


class EmailPreference(models.Model):
    """What optional emails a person accepts. Reminders of assigned training are not optional."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preference"
    )
    inactive_nudges = models.BooleanField(
        _("nudges after two weeks without progress"), default=True
    )
    weekly_digest = models.BooleanField(_("weekly digest of overdue learners"), default=True)

    class Meta:
        verbose_name = _("email preference")
        verbose_name_plural = _("email preferences")

    def __str__(self) -> str:
        return f"Email preferences of {self.user}"
