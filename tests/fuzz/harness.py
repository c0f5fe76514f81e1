"""Run one fuzzed request and judge it: never a 5xx; a refusal writes nothing; what an accepted
request writes is valid; a redirect stays on this site and the page it leads to opens.

Each example runs in a savepoint rolled back at its end, so every example starts from the same
world. Writes are found by the database's own counters (``pg_stat_xact_user_tables`` on
PostgreSQL, ``total_changes()`` on SQLite), then compared row by row with a snapshot taken once
per test: cheap when nothing was written, exact when something was.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from django.apps import apps
from django.conf import settings
from django.contrib.messages import constants as message_levels
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.forms import BaseForm, BaseFormSet
from django.http import HttpResponse
from django.test import Client
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.fuzz.strategies import Body

# Tables that may change whatever the outcome: the session itself, and security records that
# are written for refused requests on purpose (failed sign-ins, lockouts, the audit log).
IGNORED_APPS = frozenset({"sessions", "audit", "axes"})

# Examples per target are multiplied by LMS_FUZZ_SCALE (default 1): 10 for a long local run.
SCALE = float(os.environ.get("LMS_FUZZ_SCALE", "1"))

hypothesis_settings.register_profile(
    "lms-fuzz",
    deadline=None,
    # The fixtures are reused across examples on purpose: each example rolls back its savepoint.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
    print_blob=True,
)


def fuzz_settings(examples: int) -> hypothesis_settings:
    return hypothesis_settings(
        hypothesis_settings.get_profile("lms-fuzz"), max_examples=max(1, round(examples * SCALE))
    )


# --- What was written ----------------------------------------------------------------------


def tracked_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.app_label not in IGNORED_APPS and not m._meta.proxy and m._meta.managed
    ]


Snapshot = dict[str, dict[Any, tuple]]  # model label -> pk -> row


def snapshot(model_list: Iterable[type[models.Model]]) -> Snapshot:
    result: Snapshot = {}
    for model in model_list:
        names = [f.attname for f in model._meta.concrete_fields]
        pk = model._meta.pk.attname
        at = names.index(pk)
        rows = model._base_manager.order_by().values_list(*names)
        result[model._meta.label] = {row[at]: row for row in rows}
    return result


def write_counters() -> Any:
    """Something that changes whenever a row is written (per table on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
            )
            return {name: count for name, count in cursor.fetchall() if count}
        cursor.execute("SELECT total_changes()")
        return cursor.fetchone()[0]


def written_models(before: Any, after: Any) -> list[type[models.Model]]:
    """The tracked models that may have been written between two ``write_counters()``."""
    if before == after:
        return []
    if isinstance(before, dict):
        tables = {t for t in after if after.get(t) != before.get(t)}
        return [m for m in tracked_models() if m._meta.db_table in tables]
    return tracked_models()


@dataclass
class Change:
    label: str
    pk: Any
    kind: str  # created, changed, deleted
    columns: tuple[str, ...] = ()

    def __str__(self) -> str:
        what = f" ({', '.join(self.columns)})" if self.columns else ""
        return f"{self.kind} {self.label} #{self.pk}{what}"


def diff(base: Snapshot, now: Snapshot) -> list[Change]:
    changes = []
    for label, rows in now.items():
        old = base.get(label, {})
        model = apps.get_model(label)
        names = [f.attname for f in model._meta.concrete_fields]
        for pk, row in rows.items():
            if pk not in old:
                changes.append(Change(label, pk, "created"))
            elif old[pk] != row:
                columns = tuple(n for n, a, b in zip(names, old[pk], row, strict=True) if a != b)
                changes.append(Change(label, pk, "changed", columns))
        changes.extend(Change(label, pk, "deleted") for pk in old.keys() - rows.keys())
    return changes


# Third-party models whose own declarations full_clean() would refuse: allauth's authenticator
# keeps None for "never used" in a column it declares null=True without blank=True.
NOT_VALIDATED = {"mfa.Authenticator": ["last_used_at"]}


def invalid_rows(changes: list[Change]) -> list[str]:
    """``full_clean()`` of every row created or changed: what was accepted is valid."""
    problems = []
    for change in changes:
        if change.kind == "deleted":
            continue
        model = apps.get_model(change.label)
        instance = model._base_manager.get(pk=change.pk)
        try:
            instance.full_clean(exclude=NOT_VALIDATED.get(change.label))
        except ValidationError as error:
            problems.append(f"{change}: {error.messages}")
    return problems


# --- Judging a response --------------------------------------------------------------------


def _forms_in(response: HttpResponse) -> list[BaseForm | BaseFormSet]:
    found = []
    for context in response.context or []:
        for layer in getattr(context, "dicts", [context]):
            if not isinstance(layer, dict):
                continue
            found.extend(v for v in layer.values() if isinstance(v, BaseForm | BaseFormSet))
    return found


def refusal(response: HttpResponse) -> str:
    """Why the response refuses what was sent, or "" when it accepted it: a 4xx, a warning or
    error message, or a bound form shown again with errors."""
    if response.status_code >= 400:
        return f"status {response.status_code}"
    request = response.wsgi_request
    storage = getattr(request, "_messages", None)
    bad = [m for m in getattr(storage, "_queued_messages", []) if m.level >= message_levels.WARNING]
    if bad:
        return f"message: {bad[0].message}"
    if response.status_code == 200:
        for form in _forms_in(response):
            if form.is_bound and not form.is_valid():
                if isinstance(form, BaseForm):
                    fields = {
                        name: [e["message"] for e in errors]
                        for name, errors in form.errors.get_json_data().items()
                    }
                    return f"form errors: {fields}"
                return f"formset errors: {form.non_form_errors() or form.errors}"
    return ""


def stays_on_site(location: str) -> bool:
    """A redirect to this site: a path, or an address on one of its own hosts. (Where it leads
    is decided before the query, which may be long: a ``next`` holding a long address.)"""
    hosts = {*settings.ALLOWED_HOSTS, "testserver"}
    return url_has_allowed_host_and_scheme(location.split("?", 1)[0], allowed_hosts=hosts)


def read(response: HttpResponse) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


# --- One example ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What the fuzz did, per target, for the report at the end of the run."""

    examples: Counter = field(default_factory=Counter)
    accepted: Counter = field(default_factory=Counter)
    saved: Counter = field(default_factory=Counter)  # accepted and wrote rows
    refusals: dict[str, Counter] = field(default_factory=dict)  # why, for LMS_FUZZ_VERBOSE
    statuses: dict[str, Counter] = field(default_factory=dict)

    def add(self, target: str, status: int) -> None:
        self.examples[target] += 1
        self.statuses.setdefault(target, Counter())[status // 100 * 100] += 1


TALLY = Tally()


@dataclass
class Outcome:
    response: HttpResponse
    refused: str
    changes: list[Change]


def signed_in_cookie(user: Any | None) -> str | None:
    """A session for ``user``, made once per test (outside the examples' savepoints)."""
    if user is None:
        return None
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def client_for(session: str | None, host: str | None = None) -> Client:
    # CSRF is not enforced: the fuzz is about what lies behind it.
    client = Client(HTTP_HOST=host) if host else Client()
    if session is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    return client


def send(
    *,
    key: str,
    session: str | None,
    method: str,
    path: str,
    body: Body | None,
    base: Snapshot,
    writes: frozenset[str] | None = None,
    refusal_writes: frozenset[str] = frozenset(),
    prepare: Callable[[Client], Any] | None = None,
    finish: Callable[[Any, Body], Body] | None = None,
    host: str | None = None,
    external_redirects: bool = False,
) -> Outcome:
    """Send one request in a savepoint rolled back after, and check it (see the module)."""
    cache.clear()
    mail.outbox = []
    with transaction.atomic():
        try:
            client = client_for(session, host)
            start = write_counters()
            state = prepare(client) if prepare is not None else None
            if finish is not None and body is not None:
                body = finish(state, body)
            ready = write_counters()
            before = base
            if ready != start:  # the preparation wrote (a sign-in's last_login): compare from here
                before = {**base, **snapshot(written_models(start, ready))}
            extra = dict(body.headers) if body is not None else {}
            try:
                response = client.generic(
                    method.upper(),
                    path,
                    data=body.content if body is not None else b"",
                    content_type=body.content_type if body is not None else "",
                    headers=extra,
                )
                read(response)
            except Exception:
                TALLY.add(key, 500)  # the view raised: a 500 for the client
                raise
            TALLY.add(key, response.status_code)
            what = f"{method.upper()} {path} ({key}) with {body!r}"
            assert response.status_code < 500, f"{response.status_code} for {what}"
            written = written_models(ready, write_counters())
            changes = diff(
                {m._meta.label: before.get(m._meta.label, {}) for m in written}, snapshot(written)
            )
            refused = refusal(response)
            html = response.get("Content-Type", "").startswith("text/html")
            if not refused and method != "get" and response.status_code == 200 and html:
                # A form that worked redirects (POST, then GET): a page shown again refused it.
                refused = "" if changes else "shown again, nothing saved"
            if refused:
                wrote = [str(c) for c in changes if not _allowed(c, refusal_writes)]
                assert not wrote, f"refused ({refused}) but wrote {wrote} for {what}"
            else:
                problems = invalid_rows(changes)
                assert not problems, f"accepted but saved invalid rows {problems} for {what}"
                stray = [str(c) for c in changes if writes is not None and not _allowed(c, writes)]
                assert not stray, f"wrote outside {sorted(writes or ())}: {stray} for {what}"
            if response.status_code in (301, 302, 303, 307, 308):
                location = response["Location"]
                on_site = stays_on_site(location)
                assert on_site or external_redirects, (
                    f"redirect off the site to {location!r} for {what}"
                )
                if on_site and not refused:
                    # The page an accepted request leads to shows what it saved: it must open.
                    parsed = urlparse(location)
                    after = client.get(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
                    read(after)
                    assert after.status_code < 500, (
                        f"{after.status_code} at {location} after {what}"
                    )
            TALLY.accepted[key] += not refused
            if refused:
                TALLY.refusals.setdefault(key, Counter())[refused[:100]] += 1
            TALLY.saved[key] += bool(changes) and not refused
            return Outcome(response, refused, changes)
        finally:
            transaction.set_rollback(True)


def _allowed(change: Change, writes: frozenset[str]) -> bool:
    """``writes`` names the models an endpoint may change: ``app.Model``, or ``app.*``."""
    return change.label in writes or f"{change.label.split('.')[0]}.*" in writes
