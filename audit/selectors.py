"""Reads of the security log."""

from __future__ import annotations

from dataclasses import dataclass

from audit.models import GENESIS, AuditEvent
from audit.services import digest


@dataclass(frozen=True)
class ChainCheck:
    records: int
    broken_at: int | None  # the id of the first record that does not verify
    reason: str

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def chain_check(*, chunk_size: int = 2000) -> ChainCheck:
    """Walk the whole log in id order and recompute every link.

    A record verifies when its hash is the digest of its content and its ``prev_hash`` is the
    hash of the record before it. The first record links to the genesis value, or, after a
    retention purge, to the last removed record, which the purge's own record names."""
    purged_through = {
        details.get("through_hash")
        for details in AuditEvent.objects.filter(action="audit.purged").values_list(
            "details", flat=True
        )
        if isinstance(details, dict)
    }
    previous: str | None = None
    count = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        count += 1
        if previous is None:
            if event.prev_hash != GENESIS and event.prev_hash not in purged_through:
                return ChainCheck(
                    count, event.pk, "records before it are missing and no purge removed them"
                )
        elif event.prev_hash != previous:
            return ChainCheck(count, event.pk, "it does not link to the record before it")
        if digest(event) != event.hash:
            return ChainCheck(count, event.pk, "its content does not match its hash")
        previous = event.hash
    return ChainCheck(count, None, "")
