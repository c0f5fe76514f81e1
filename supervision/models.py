from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportLog(models.Model):
    """An audit record of a supervisor's CSV export: who, when, which filters, how many rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    user_email = models.EmailField(_("exported by"))
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export audit record")
        verbose_name_plural = _("export audit log")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.user_email} exported {self.agency} at {self.started_at:%Y-%m-%d %H:%M}"


class Nudge(models.Model):
    """A reminder a supervisor sent a learner about an enrollment. One per learner per day."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudges_received"
    )
    enrollment = models.ForeignKey(
        "courses.Enrollment", on_delete=models.CASCADE, related_name="nudges"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="nudges_sent",
    )
    sent_on = models.DateField(_("day (agency time)"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("nudge")
        verbose_name_plural = _("nudges")
        ordering = ["-created_at"]
        constraints = [
            # The rate limit lives in the database: a second nudge the same day cannot exist.
            models.UniqueConstraint(
                fields=["learner", "sent_on"], name="nudge_one_per_learner_day"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "sending", "sent", "failed"]),
                name="nudge_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Nudge to {self.learner} on {self.sent_on}"
