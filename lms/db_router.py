"""Which database a query goes to: the primary, or (for reports only) a streaming replica.

With ``DATABASE_REPLICA_URL`` set, ``DATABASES["replica"]`` is a read-only copy of the primary
that is a little behind it (PostgreSQL streaming replication). Reports may read from it: the
supervisor's dashboard, learners table, drill-down figures, compliance page and CSV exports, and
the studio's statistics. They opt in explicitly, with ``reports_read()`` around the reads (or
``@reads_reports`` on the view) and ``.using(report_db())`` on a queryset read after the view
returned (a streamed export). Everything else reads the primary: a learner's own pages, sign-in,
sessions, permission and membership checks, and every read inside a write transaction.

Writes never go to the replica, whatever asked for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_DB_ALIAS = "replica"

# A context variable, not a thread-local: each request (thread or coroutine) has its own.
_reading_reports: ContextVar[bool] = ContextVar("lms_reading_reports", default=False)

P = ParamSpec("P")
R = TypeVar("R")


def report_db() -> str:
    """The alias reports read from: the replica when one is configured, else the primary."""
    return REPLICA_DB_ALIAS if REPLICA_DB_ALIAS in settings.DATABASES else DEFAULT_DB_ALIAS


def reading_reports() -> bool:
    """Whether the code running now asked for report reads (``reports_read``)."""
    return _reading_reports.get()


@contextmanager
def reports_read() -> Iterator[None]:
    """Reads inside the block may be served by the replica (when there is one and no write
    transaction is open on the primary); writes still go to the primary."""
    token = _reading_reports.set(True)
    try:
        yield
    finally:
        _reading_reports.reset(token)


def reads_reports(view: Callable[P, R]) -> Callable[P, R]:
    """The view's reads as in ``reports_read``. Put it below the decorators that check who is
    asking: their reads gate access and stay on the primary."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with reports_read():
            return view(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Writes and migrations on the primary; reads on the primary unless a report asked for the
    replica and the primary has no transaction open (a read inside a write transaction must see
    that transaction's writes, and a locking read cannot run on a hot standby)."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        if not _reading_reports.get() or REPLICA_DB_ALIAS not in settings.DATABASES:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA_DB_ALIAS

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows: an object read from it may be related to one of the
        # primary's (a report row's learner saved in an audit record).
        aliases = {DEFAULT_DB_ALIAS, REPLICA_DB_ALIAS}
        return True if {obj1._state.db, obj2._state.db} <= aliases else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
