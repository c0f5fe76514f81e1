"""The audit chain under any sequence of writes, purges and tampering (Hypothesis).

Rules: record an event now, record one written long ago (as the log holds after a year), purge
past retention, change a record's content as someone with database access could (the trigger
disabled), remove a record from the middle, remove records from the start without a purge.
Invariant after every step: the chain verifies exactly when nothing was tampered with, and when it
does not, the check names a record at or after the first one touched.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from audit.models import AuditEvent
from audit.selectors import chain_check
from audit.services import audit_purge, audit_record
from tests.audit.test_log import _old

ACTIONS = st.sampled_from(["auth.login", "auth.login_failed", "export.csv", "record.viewed"])
DETAILS = st.dictionaries(
    st.sampled_from(["rows", "email", "series", "note"]),
    st.one_of(st.integers(-(2**40), 2**40), st.text(max_size=20), st.booleans(), st.none()),
    max_size=3,
)


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


class ChainMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.tampered_from: int | None = None  # the smallest id touched, once tampered

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _ids(self) -> list[int]:
        return list(AuditEvent.objects.order_by("id").values_list("id", flat=True))

    def _tamper(self, pk: int) -> None:
        self.tampered_from = pk if self.tampered_from is None else min(self.tampered_from, pk)

    @rule(action=ACTIONS, details=DETAILS, outcome=st.sampled_from(["success", "failure"]))
    def record(self, action, details, outcome) -> None:
        audit_record(action=action, outcome=outcome, details=details, target="x@example.org")

    @precondition(lambda self: self.tampered_from is None)
    @rule(days=st.integers(min_value=366, max_value=900), action=ACTIONS)
    def record_long_ago(self, days, action) -> None:
        # Only while the log is young and untouched: old records come first in a real log.
        if AuditEvent.objects.filter(at__gte=timezone.now() - timedelta(days=365)).exists():
            return
        _old(days, action)

    @rule()
    def purge(self) -> None:
        before = set(self._ids())
        removed = audit_purge()
        after = set(self._ids())
        assert len(before - after) == removed

    # What a tamperer writes straight into the table (PostgreSQL stores no NUL in text).
    @rule(
        data=st.data(),
        text=st.text(st.characters(blacklist_characters="\x00"), min_size=1, max_size=10),
    )
    def change_a_record(self, data, text) -> None:
        ids = self._ids()
        if not ids:
            return
        pk = data.draw(st.sampled_from(ids))
        _raw("UPDATE audit_auditevent SET target = target || %s WHERE id = %s", [text, pk])
        self._tamper(pk)

    @rule(data=st.data())
    def remove_a_middle_record(self, data) -> None:
        ids = self._ids()
        if len(ids) < 3:
            return
        pk = data.draw(st.sampled_from(ids[1:-1]))
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [pk])
        self._tamper(next(i for i in ids if i > pk))

    @rule()
    def remove_the_first_record_without_a_purge(self) -> None:
        ids = self._ids()
        if len(ids) < 2 or AuditEvent.objects.filter(action="audit.purged").exists():
            return
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [ids[0]])
        self._tamper(ids[1])

    @invariant()
    def chain_verifies_exactly_when_untouched(self) -> None:
        check = chain_check()
        if self.tampered_from is None:
            assert check.intact, f"untouched log broken at {check.broken_at}: {check.reason}"
        else:
            # A later purge may have removed the first touched record itself, with its break;
            # a later removal may have taken it too, and the break then shows on the next one.
            if AuditEvent.objects.filter(id__lte=self.tampered_from).exists():
                assert not check.intact, "a tampered log verified"
                first_after = (
                    AuditEvent.objects.filter(id__gte=self.tampered_from)
                    .order_by("id")
                    .values_list("id", flat=True)
                    .first()
                )
                assert first_after is not None and check.broken_at <= first_after


@pytest.mark.django_db
def test_the_chain_detects_tampering_under_any_sequence():
    """No sequence of writes and purges breaks the chain; every tampering is found."""
    run_state_machine_as_test(
        ChainMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
