"""Proof of training: a certificate for each completed cycle of a series, with the credit hours
it carries, and the agency's continuing-training rule."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def new_code() -> str:
    """An unguessable verification code: 128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


class Certificate(models.Model):
    """The record that a learner completed a cycle of a series. Issued once per completion cycle
    (one per enrollment, a database constraint), in the same transaction as the completion; what
    it says is kept as it was at issue (a later change of name or title never alters it)."""

    enrollment = models.OneToOneField(
        "courses.Enrollment", on_delete=models.CASCADE, related_name="certificate"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates"
    )
    series = models.ForeignKey(
        "courses.Series", on_delete=models.PROTECT, related_name="certificates"
    )
    code = models.CharField(_("verification code"), max_length=32, unique=True, default=new_code)
    learner_name = models.CharField(_("learner's name"), max_length=150)
    series_title = models.CharField(_("series"), max_length=255)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed on"))
    credit_hours = models.DecimalField(_("credit hours"), max_digits=5, decimal_places=2)
    credit_type = models.CharField(_("credit type"), max_length=60, blank=True)
    issued_at = models.DateTimeField(_("issued at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-completed_on", "-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_hours__gte=0), name="certificate_hours_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_reason="")
                | (models.Q(revoked_at__isnull=False) & ~models.Q(revoked_reason="")),
                name="certificate_revoked_with_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "completed_on"]),
            models.Index(fields=["series", "completed_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.learner_name} – {self.series_title} ({self.completed_on})"

    def get_absolute_url(self) -> str:
        return reverse("certificates:verify", kwargs={"code": self.code})

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def hours_text(self) -> str:
        """The credit hours as people write them: "1.5", "24", never "1.50"."""
        return format(self.credit_hours.normalize(), "f")

    def get_pdf_url(self) -> str:
        return reverse("certificates:pdf", kwargs={"code": self.code})
