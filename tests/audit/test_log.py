"""The security log: chained, append-only on PostgreSQL, verified, purged, streamed, in admin."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from audit.models import GENESIS, AuditEvent
from audit.selectors import chain_check
from audit.services import _append, _lock_chain, audit_purge, audit_record, digest
from tests import factories

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)


def _old(days: int, action: str = "auth.login") -> AuditEvent:
    """A record written ``days`` ago (the service always writes now)."""
    with transaction.atomic():
        _lock_chain()
        return _append(at=timezone.now() - timedelta(days=days), action=action)


def test_a_record_names_who_what_target_when_where_and_outcome(learner):
    request = RequestFactory().post("/x", REMOTE_ADDR="203.0.113.9")
    request.user = learner
    event = audit_record(
        action="export.csv", target=learner, request=request, details={"rows": 3, "from": "x"}
    )
    event.refresh_from_db()
    assert (event.action, event.outcome) == ("export.csv", "success")
    assert (event.actor_id, event.actor) == (learner.pk, learner.email)
    assert (event.target_type, event.target_id) == ("accounts.user", str(learner.pk))
    assert event.ip == "203.0.113.9"
    assert event.details == {"rows": 3, "from": "x"}
    # The learner's joining the agency was recorded just before (``membership.added``).
    before = AuditEvent.objects.filter(id__lt=event.id).order_by("-id").first()
    assert event.prev_hash == (before.hash if before else GENESIS)
    assert event.hash == digest(event)


def test_anonymous_actor_is_recorded_as_nobody():
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="198.51.100.4")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    event = audit_record(
        action="auth.login_failed", outcome="failure", target="x@example.org", request=request
    )
    assert event.actor_id is None and event.actor == ""
    assert event.target == "x@example.org"


def test_nul_characters_a_client_typed_are_recorded_replaced_not_refused():
    """PostgreSQL stores no NUL in text or JSON: the login tried is still recorded."""
    event = audit_record(
        action="auth.login_failed",
        outcome="failure",
        target="a\x00b@example.org",
        details={"login": "\x00", "nested": {"k\x00": ["\x00x"]}},
    )
    event.refresh_from_db()
    assert event.target == "a\ufffdb@example.org"
    assert event.details == {"login": "\ufffd", "nested": {"k\ufffd": ["\ufffdx"]}}
    assert chain_check().intact


def test_each_record_links_to_the_one_before_and_the_chain_verifies():
    first = audit_record(action="a.one")
    second = audit_record(action="a.two", details={"n": 1.5, "ok": True, "list": [1, "x"]})
    assert second.prev_hash == first.hash
    check = chain_check()
    assert check.intact and check.records == 2
    call_command("audit_verify")


def test_an_unknown_outcome_is_refused():
    with pytest.raises(ValueError):
        audit_record(action="a.one", outcome="maybe")
    assert not AuditEvent.objects.exists()


def test_a_record_rolls_back_with_the_action_it_records():
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="membership.removed")
        raise RuntimeError
    assert not AuditEvent.objects.exists()


def _tamper(pk: int, **changes) -> None:
    """What someone with direct database access might do (the trigger is dropped on PostgreSQL
    for the length of this test's transaction, as a table owner could)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        for column, value in changes.items():
            cursor.execute(f"UPDATE audit_auditevent SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def test_a_changed_record_breaks_the_chain_at_that_record():
    audit_record(action="a.one")
    middle = audit_record(action="auth.login", target="someone@example.org")
    audit_record(action="a.three")
    _tamper(middle.pk, target="someone-else@example.org")
    check = chain_check()
    assert (check.broken_at, check.reason) == (middle.pk, "its content does not match its hash")
    with pytest.raises(CommandError, match=f"broken at record {middle.pk}"):
        call_command("audit_verify")


def test_a_removed_record_breaks_the_chain_at_the_next_one():
    audit_record(action="a.one")
    middle = audit_record(action="a.two")
    last = audit_record(action="a.three")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [middle.pk])
    check = chain_check()
    assert (check.broken_at, check.reason) == (last.pk, "it does not link to the record before it")


def test_a_rewritten_record_with_a_fresh_hash_still_breaks_the_next_link():
    first = audit_record(action="a.one", details={"rows": 1})
    second = audit_record(action="a.two")
    forged = AuditEvent.objects.get(pk=first.pk)
    forged.details = {"rows": 100}
    _tamper(first.pk, details=json.dumps(forged.details), hash=digest(forged))
    assert chain_check().broken_at == second.pk


@postgres_only
def test_postgres_refuses_to_change_a_record():
    event = audit_record(action="a.one")
    with pytest.raises(DatabaseError, match="never changed"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="a.other")
    assert AuditEvent.objects.get(pk=event.pk).action == "a.one"


@postgres_only
def test_postgres_refuses_to_delete_a_record_younger_than_a_year():
    event = _old(days=300)
    with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_purge_removes_only_records_past_retention_and_records_itself(settings):
    settings.LMS_AUDIT_RETENTION_DAYS = 400
    _old(days=500)
    kept_old = _old(days=390)
    recent = audit_record(action="auth.login")
    assert audit_purge() == 1
    remaining = list(AuditEvent.objects.order_by("id"))
    assert [event.pk for event in remaining[:2]] == [kept_old.pk, recent.pk]
    purge = remaining[-1]
    assert purge.action == "audit.purged"
    assert purge.details["removed"] == 1 and purge.details["retention_days"] == 400
    assert purge.details["through_hash"] == kept_old.prev_hash
    assert chain_check().intact  # the new first record links to what the purge names
    assert audit_purge() == 0


def test_retention_is_never_shorter_than_a_year(settings):
    settings.LMS_AUDIT_RETENTION_DAYS = 30
    _old(days=200)
    assert audit_purge() == 0
    from audit.checks import retention_at_least_a_year

    assert [error.id for error in retention_at_least_a_year()] == ["audit.E001"]


def test_records_missing_from_the_start_without_a_purge_break_the_chain():
    first = audit_record(action="a.one")
    second = audit_record(action="a.two")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [first.pk])
    assert chain_check().broken_at == second.pk


def test_each_record_is_streamed_as_one_json_line_after_commit(
    caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.INFO, logger="lms.audit")
    logging.getLogger("lms.audit").propagate = True
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            event = audit_record(action="auth.lockout", outcome="refused", target="a@example.org")
        assert not [r for r in caplog.records if r.name == "lms.audit"]  # nothing before commit
        for callback in callbacks:
            callback()
    finally:
        logging.getLogger("lms.audit").propagate = False
    (line,) = [r.getMessage() for r in caplog.records if r.name == "lms.audit"]
    data = json.loads(line)
    assert data["id"] == event.pk and data["hash"] == event.hash
    assert (data["action"], data["outcome"], data["target"]) == (
        "auth.lockout",
        "refused",
        "a@example.org",
    )


def test_staff_read_the_log_in_admin_and_cannot_change_it(client, admin_user):
    event = audit_record(action="auth.login", target="x@example.org")
    client.force_login(admin_user)
    assert client.get("/admin/audit/auditevent/?outcome=success").status_code == 200
    page = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200 and b"x@example.org" in page.content
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_non_staff_cannot_open_the_log(client, learner):
    client.force_login(learner)
    response = client.get("/admin/audit/auditevent/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_daily_schedules_exist():
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"audit.tasks.purge_audit_log", "accounts.tasks.clear_expired_sessions"} <= tasks


def test_clearsessions_task_removes_expired_sessions():
    from django.contrib.sessions.models import Session

    from accounts.tasks import clear_expired_sessions

    Session.objects.create(
        session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1)
    )
    Session.objects.create(
        session_key="y" * 32, session_data="", expire_date=timezone.now() + timedelta(days=1)
    )
    clear_expired_sessions()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["y" * 32]


def test_factories_users_are_not_audited_by_themselves():
    factories.UserFactory()
    assert not AuditEvent.objects.exists()
