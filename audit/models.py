"""The append-only security log: who did what, to what, when, from where, with what outcome.

Each record carries the SHA-256 of its own content and of the record before it, so any change,
removal or insertion after the fact breaks the chain (``manage.py audit_verify``). On PostgreSQL a
trigger refuses UPDATE, and DELETE of anything younger than the one-year floor (see
``audit/migrations/0002_append_only``); the only deletion is the retention purge of the oldest
records, which records itself.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS = "0" * 64  # the "record before" the first one


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    REFUSED = "refused", _("Refused")


class AuditEvent(models.Model):
    """One security-relevant event. Never changed once written.

    The actor and target are stored as plain values, not foreign keys: a record outlives the
    account or object it names, and deleting a user must never need to rewrite the log."""

    at = models.DateTimeField(_("when"), db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor = models.CharField(_("actor"), max_length=254, blank=True)  # the email at the time
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target = models.CharField(_("target"), max_length=254, blank=True)
    ip = models.GenericIPAddressField(_("source address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous record's hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["action", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome} by {self.actor or '-'}"
