"""Writes to the security log: one way in (``audit_record``), one way out (``audit_purge``).

Records are chained: each stores the SHA-256 of its canonical content and of the record before it.
Appending takes the chain's lock (a PostgreSQL advisory lock held to the end of the transaction;
SQLite's write lock does the same), so the order of ids is the order of the chain and two writers
never link to the same record. Every record is also written, after commit, as one JSON line to
the ``lms.audit`` logger for a SIEM to collect.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.models import GENESIS, AuditEvent, Outcome
from lms.clientip import client_ip

stream = logging.getLogger("lms.audit")

# Records younger than this are never deleted, whatever the retention setting (the CJIS Security
# Policy keeps audit records at least a year); the PostgreSQL trigger holds the same floor.
RETENTION_FLOOR_DAYS = 365
_CHAIN_LOCK = 0x4C4D5341  # pg_advisory_xact_lock key of the chain ("LMSA")
_HASHED = (
    "at",
    "action",
    "outcome",
    "actor_id",
    "actor",
    "target_type",
    "target_id",
    "target",
    "ip",
    "details",
    "prev_hash",
)


def canonical(event: AuditEvent) -> dict[str, Any]:
    """The record's content as hashed and as streamed: plain JSON values, UTC times."""
    values: dict[str, Any] = {name: getattr(event, name) for name in _HASHED}
    values["at"] = event.at.astimezone(UTC).isoformat(timespec="microseconds")
    return values


def digest(event: AuditEvent) -> str:
    payload = json.dumps(
        canonical(event), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


def _storable(value: Any) -> Any:
    """The value with every NUL character replaced (U+FFFD): PostgreSQL stores none in text or
    JSON, and what a client typed (a login tried) must still be recorded, not refused."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def _describe(target: models.Model | str | None) -> tuple[str, str, str]:
    if target is None:
        return "", "", ""
    if isinstance(target, str):
        return "", "", _storable(target[:254])
    return target._meta.label_lower, str(target.pk), _storable(str(target)[:254])


def _append(
    *,
    at: datetime,
    action: str,
    outcome: str = Outcome.SUCCESS.value,
    actor_id: int | None = None,
    actor: str = "",
    target_type: str = "",
    target_id: str = "",
    target: str = "",
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Link one record to the end of the chain and save it. The caller holds the chain lock."""
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event = AuditEvent(
        at=at,
        action=action,
        outcome=outcome,
        actor_id=actor_id,
        actor=actor,
        target_type=target_type,
        target_id=target_id,
        target=target,
        ip=ip,
        details=details or {},
        prev_hash=last or GENESIS,
    )
    event.hash = digest(event)
    event.save(force_insert=True)
    line = json.dumps({"id": event.pk, **canonical(event), "hash": event.hash}, sort_keys=True)
    transaction.on_commit(lambda: stream.info(line))
    return event


def audit_record(
    *,
    action: str,
    actor: Any = None,
    target: models.Model | str | None = None,
    request: HttpRequest | None = None,
    outcome: str = Outcome.SUCCESS,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the log, in the caller's transaction: it commits or rolls back with
    the action it records (a refusal the caller rolls back is recorded by calling this outside
    that transaction).

    ``actor`` is the user who acted (anonymous or None: nobody signed in; when omitted, the
    request's signed-in user); ``target`` what it was done to (a model instance, or a label such
    as an email that matches no account); ``details`` plain JSON values, kept as given. The
    source address comes from the request (``lms.clientip``)."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    target_type, target_id, target_label = _describe(target)
    # Stored as it will read back (and so as it was hashed): JSON values only.
    plain = _storable(json.loads(json.dumps(details or {}, default=str)))
    with transaction.atomic():
        _lock_chain()
        return _append(
            at=timezone.now(),
            action=action,
            outcome=Outcome(outcome).value,
            actor_id=actor.pk if actor is not None else None,
            actor=(actor.email if actor is not None else "")[:254],
            target_type=target_type,
            target_id=target_id,
            target=target_label,
            ip=client_ip(request) if request is not None else None,
            details=plain,
        )


def audit_purge(*, now: datetime | None = None) -> int:
    """Delete the oldest records, those older than ``LMS_AUDIT_RETENTION_DAYS`` (never fewer
    than a year), and record the purge with the hash of the last record removed, so the chain
    still verifies from its new first record. Returns how many were removed."""
    days = max(settings.LMS_AUDIT_RETENTION_DAYS, RETENTION_FLOOR_DAYS)
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.filter(at__lt=cutoff).order_by("-id").values("id", "hash").first()
        if last is None:
            return 0
        removed, _ = AuditEvent.objects.filter(id__lte=last["id"]).delete()
        _append(
            at=timezone.now(),
            action="audit.purged",
            details={
                "through_id": last["id"],
                "through_hash": last["hash"],
                "removed": removed,
                "retention_days": days,
            },
        )
    return removed
