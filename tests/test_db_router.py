"""The database router: writes always on the primary; reads on the replica only for reports that
asked, when one is configured (lms/db_router.py). Runs on SQLite and PostgreSQL with no replica;
``tests/integration/test_replica.py`` runs the site on a real streaming replica."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import User
from courses import services as course_services
from lms.db_router import (
    ReplicaRouter,
    reading_reports,
    reads_reports,
    report_db,
    reports_read,
)
from supervision.models import ExportLog
from tests import factories

router = ReplicaRouter()


@pytest.fixture
def with_replica(settings, monkeypatch) -> None:
    """A ``replica`` alias in the settings, as DATABASE_REPLICA_URL makes one (the router only
    reads the settings: no connection is opened to it here)."""
    monkeypatch.setitem(settings.DATABASES, "replica", {"ENGINE": "django.db.backends.sqlite3"})


def test_without_a_replica_every_read_and_write_goes_to_the_primary(settings) -> None:
    """No DATABASE_REPLICA_URL: no replica alias, and reports read the primary as before."""
    assert "replica" not in settings.DATABASES
    assert report_db() == "default"
    with reports_read():
        assert router.db_for_read(User) == "default"
        assert router.db_for_write(User) == "default"
    assert router.db_for_read(User) == "default"


def test_with_a_replica_only_reports_read_from_it(with_replica) -> None:
    """Reads outside reports_read stay on the primary; inside it they go to the replica."""
    assert report_db() == "replica"
    assert router.db_for_read(User) == "default"
    with reports_read():
        assert router.db_for_read(User) == "replica"
        assert router.db_for_read(ExportLog) == "replica"
    assert router.db_for_read(User) == "default"


def test_with_a_replica_writes_never_go_to_it(with_replica) -> None:
    """A write asked for inside a report (its audit record, its ExportLog) is the primary's."""
    with reports_read():
        assert router.db_for_write(ExportLog) == "default"
        assert router.db_for_write(User, instance=User(email="x@example.org")) == "default"
    assert router.db_for_write(User) == "default"


@pytest.mark.django_db
def test_a_report_read_inside_a_write_transaction_reads_the_primary(with_replica) -> None:
    """Inside an open transaction on the primary (every django_db test runs in one) a read must
    see the transaction's writes, and a locking read cannot run on a standby."""
    assert connection.in_atomic_block
    with reports_read():
        assert router.db_for_read(User) == "default"


def _databases(**env: str) -> dict:
    """``DATABASES`` as the settings build it from this environment (a fresh process)."""
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DATABASE_REPLICA_URL"}
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="lms.settings.test")
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES, default=str))"
    )
    done = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_replica_alias_comes_from_database_replica_url_with_the_primarys_options() -> None:
    """Set: a ``replica`` alias with the primary's connection options, mirroring the test
    database in tests; unset: no such alias."""
    assert set(_databases(DATABASE_URL="postgres://postgres@db:5432/lms")) == {"default"}
    databases = _databases(
        DATABASE_URL="postgres://postgres@db:5432/lms",
        DATABASE_REPLICA_URL="postgres://postgres@replica:5433/lms",
        CONN_MAX_AGE="60",
    )
    replica = databases["replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == ("replica", 5433, "lms")
    assert replica["CONN_MAX_AGE"] == 60
    assert replica["CONN_HEALTH_CHECKS"] is True
    assert replica["TEST"]["MIRROR"] == "default"


def test_migrations_run_on_the_primary_only_and_relations_span_both() -> None:
    """The replica copies the primary's schema; objects read from either may be related."""
    assert router.allow_migrate("default", "courses") is True
    assert router.allow_migrate("replica", "courses") is False
    from_replica, from_primary = User(), User()
    from_replica._state.db, from_primary._state.db = "replica", "default"
    assert router.allow_relation(from_replica, from_primary) is True
    other = User()
    other._state.db = "elsewhere"
    assert router.allow_relation(from_replica, other) is None


def test_reads_reports_ends_with_the_view_even_when_it_raises() -> None:
    """The decorator sets the report reads for the call only, an exception included."""

    @reads_reports
    def view() -> bool:
        return reading_reports()

    @reads_reports
    def failing() -> None:
        raise ValueError

    assert view() is True
    assert reading_reports() is False
    with pytest.raises(ValueError):
        failing()
    assert reading_reports() is False


# --- which pages read as reports ------------------------------------------------------------------


@contextmanager
def queries_seen() -> Iterator[list[tuple[bool, str]]]:
    """Every query the primary runs meanwhile, with whether a report asked for it."""
    seen: list[tuple[bool, str]] = []

    def record(execute: Callable, sql: str, params, many: bool, context) -> object:
        seen.append((reading_reports(), sql))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


def _reads(seen: list[tuple[bool, str]], *, as_report: bool) -> list[str]:
    return [
        sql for flag, sql in seen if flag is as_report and sql.lstrip().upper().startswith("SELECT")
    ]


@pytest.fixture
def supervised(client, settings, agency, series, learner):
    settings.LMS_REQUIRE_MFA = False
    course_services.enrollment_create(user=learner, series=series)
    supervisor = factories.supervisor_of(agency, email="boss@example.org")
    client.force_login(supervisor)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    "page",
    [
        "/agency/",
        "/agency/learners/",
        "/agency/learners/{learner}/",
        "/agency/compliance/",
        "/agency/export.csv",
        "/agency/hours.csv",
        "/agency/roster.csv",
    ],
)
def test_supervisor_report_pages_read_their_figures_as_reports(supervised, learner, page) -> None:
    """The figures are report reads; who may open the page (the supervisor's memberships) is
    checked on the primary first."""
    with queries_seen() as seen:
        response = supervised.get(page.format(learner=learner.pk))
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    assert _reads(seen, as_report=True)
    first = next(sql for flag, sql in seen if "accounts_membership" in sql)
    assert (False, first) in seen


@pytest.mark.django_db
def test_the_drill_down_checks_access_and_lists_emails_on_the_primary(supervised, learner) -> None:
    """The learner is found (or 404) and the nudges sent are listed by primary reads: a nudge
    just sent shows on the page it redirects to."""
    with queries_seen() as seen:
        assert supervised.get(f"/agency/learners/{learner.pk}/").status_code == 200
    assert any("reminders_reminder" in sql for sql in _reads(seen, as_report=False))
    assert not any("reminders_reminder" in sql for sql in _reads(seen, as_report=True))
    assert any("courses_progress" in sql for sql in _reads(seen, as_report=True))


@pytest.mark.django_db
def test_the_studio_statistics_read_as_reports(client, series) -> None:
    """The author's statistics page: component found on the primary, figures as reports."""
    client.force_login(factories.author())
    component = series.modules.get(slug="understanding").components.get(slug="reading")
    with queries_seen() as seen:
        response = client.get(f"/studio/components/{component.pk}/stats/")
    assert response.status_code == 200
    assert _reads(seen, as_report=True)
    assert any("courses_component" in sql for sql in _reads(seen, as_report=False))


@pytest.mark.django_db
def test_a_learners_own_pages_never_read_as_reports(client, learner, series) -> None:
    """Home, the series page and the transcript: every read is the primary's."""
    course_services.enrollment_create(user=learner, series=series)
    client.force_login(learner)
    with queries_seen() as seen:
        for page in ("/", f"/series/{series.slug}/", "/transcript/"):
            assert client.get(page).status_code == 200
    assert seen
    assert not _reads(seen, as_report=True)
