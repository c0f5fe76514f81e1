"""Proof of training: a certificate for each completed cycle of a series, with the credit hours
it carries, and the agency's continuing-training rule."""

from __future__ import annotations

import calendar
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from certificates.display import hours_display


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
        """The credit hours as people write them in the active language: "1.5" ("1,5" in
        Spanish), "24", never "1.50"."""
        return hours_display(self.credit_hours)

    def get_pdf_url(self) -> str:
        return reverse("certificates:pdf", kwargs={"code": self.code})


class TrainingRule(models.Model):
    """An agency's continuing-training requirement: ``hours_required`` hours of ``credit_type``
    in every cycle of ``cycle_months`` months. Cycles follow one another without gap, one of
    them ending on ``cycle_ends_on`` (31 December of an even year, for a two-year cycle ending
    then); a cycle runs from the day after the previous end to its own end, both included, in
    the agency's calendar."""

    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.CASCADE, related_name="training_rules"
    )
    credit_type = models.CharField(
        _("credit type"),
        max_length=60,
        help_text=_("The credit type the hours must be of, as the series carry it (“POST CPT”)."),
    )
    hours_required = models.DecimalField(
        _("hours required per cycle"), max_digits=6, decimal_places=2
    )
    cycle_months = models.PositiveSmallIntegerField(
        _("cycle length in months"), help_text=_("24 for a two-year cycle.")
    )
    cycle_ends_on = models.DateField(
        _("a cycle ends on"),
        help_text=_("The last day of one cycle (the current one or any other), e.g. 2026-12-31."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("training rule")
        verbose_name_plural = _("training rules")
        ordering = ["agency__name", "credit_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "credit_type"], name="trainingrule_agency_credit_type_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(hours_required__gt=0), name="trainingrule_hours_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(cycle_months__gt=0, cycle_months__lte=120),
                name="trainingrule_cycle_months_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(credit_type=""), name="trainingrule_credit_type_given"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.agency}: {self.hours_required} h of {self.credit_type} / {self.cycle_months} mo"
        )

    def cycle_end(self, shift: int) -> date:
        """The end of the cycle ``shift`` cycles after the one ending on ``cycle_ends_on``.

        An anchor on the last day of its month keeps to month ends (29 February in leap years).
        """
        anchor = self.cycle_ends_on
        index = anchor.month - 1 + shift * self.cycle_months
        year, month = anchor.year + index // 12, index % 12 + 1
        last = calendar.monthrange(year, month)[1]
        month_end = anchor.day == calendar.monthrange(anchor.year, anchor.month)[1]
        return date(year, month, last if month_end else min(anchor.day, last))

    def cycle_on(self, day: date) -> Period:
        """The cycle that holds ``day``: from the day after the previous cycle's end to its own
        end, both included."""
        months = (day.year - self.cycle_ends_on.year) * 12 + day.month - self.cycle_ends_on.month
        shift = months // self.cycle_months
        while self.cycle_end(shift) < day:
            shift += 1
        while self.cycle_end(shift - 1) >= day:
            shift -= 1
        return Period(self.cycle_end(shift - 1) + timedelta(days=1), self.cycle_end(shift))


@dataclass(frozen=True)
class Period:
    """A span of days in an agency's calendar, both ends included."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end
