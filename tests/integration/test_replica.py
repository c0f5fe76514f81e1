"""Reports served by a real PostgreSQL streaming replica; everything else by the primary.

The test makes its own primary cluster (``initdb``, as ``tests/integration/test_faults.py``
does) and a hot standby of it on another loopback port (``pg_basebackup -R``: it streams the
primary's WAL and replays it). Django runs in a subprocess with ``DATABASE_URL`` on the primary
and ``DATABASE_REPLICA_URL`` on the standby (``tests/integration/replica_probe.py``).

Replay is paused on the standby, then a learner joins on the primary. The supervisor's export
and learners table show the standby's older figures (without the learner); the learner signs in,
opens their home page and records a document read, all on the primary; the export's audit row
is on the primary. Without ``DATABASE_REPLICA_URL`` the same reports show the learner at once
(the primary, as before). Replay resumed, the reports catch up.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import services_required
from tests.integration.conftest import BASE_DIR, free_port
from tests.integration.replica_probe import AFTER, BEFORE
from tests.integration.scratch import ScratchPostgres, postgres_bin_dir, postgres_os_user

REPLAY_TIMEOUT = 60  # seconds for the standby to replay what the primary wrote


def _tools() -> tuple[Path, str]:
    """PostgreSQL's server programs and who runs them; else skip (a failure under
    REQUIRE_SERVICES)."""
    problems = []
    bin_dir = postgres_bin_dir()
    if bin_dir is None or not (bin_dir / "pg_basebackup").exists():
        problems.append("initdb, pg_ctl and pg_basebackup (Debian: apt-get install postgresql)")
    os_user = postgres_os_user()
    if os_user is None:
        problems.append("a postgres OS user to run a cluster as (PostgreSQL refuses root)")
    if importlib.util.find_spec("psycopg") is None:
        problems.append("psycopg (pip install -e '.[dev]')")
    if problems:
        message = "the replica test needs " + "; ".join(problems)
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    assert bin_dir is not None and os_user is not None
    return bin_dir, os_user


class ScratchStandby(ScratchPostgres):
    """A hot standby of a scratch primary: its data directory a base backup of the primary's,
    with the settings to stream from it (``-R``)."""

    def __init__(self, primary: ScratchPostgres) -> None:
        super().__init__(primary.bin_dir, primary.os_user)
        self.primary = primary

    def init(self) -> ScratchStandby:
        if self.os_user:
            import shutil

            shutil.chown(self.root, self.os_user)
        self._run(
            self.bin_dir / "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port),
            "-U", "postgres", "-D", self.data, "-R", "-X", "stream", "--no-sync",
            "--checkpoint=fast",
        )  # fmt: skip
        return self


def sql(url: str, query: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
        return conn.execute(query).fetchall()  # type: ignore[arg-type]  # our own literal SQL


def wait_for(condition: Callable[[], Any], *, what: str, timeout: float = REPLAY_TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)
    return value


@dataclass
class Clusters:
    primary: ScratchPostgres
    standby: ScratchStandby
    env: dict[str, str]

    def probe(self, step: str, *, replica: bool = True) -> dict:
        env = dict(self.env)
        if not replica:
            env.pop("DATABASE_REPLICA_URL")
        done = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            [sys.executable, "-m", "tests.integration.replica_probe", step],
            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def on_standby(self, email: str) -> bool:
        query = f"SELECT count(*) FROM accounts_user WHERE email = '{email}'"  # noqa: S608
        return sql(self.standby.url("lms"), query)[0][0] == 1

    def export_logs(self, cluster: ScratchPostgres) -> int:
        return sql(cluster.url("lms"), "SELECT count(*) FROM supervision_exportlog")[0][0]


@pytest.fixture
def clusters() -> Iterator[Clusters]:
    """A primary and its streaming standby, each on a free loopback port; both stopped and
    their directories removed at the end, whatever happened. The suite's own database plays
    no part: this runs on a SQLite suite too."""
    bin_dir, os_user = _tools()
    with contextlib.ExitStack() as stack:
        primary = ScratchPostgres(bin_dir, os_user)
        stack.callback(primary.close)
        primary.init().start()
        primary.create_database("lms")
        standby = ScratchStandby(primary)
        stack.callback(standby.close)
        standby.init()
        assert free_port() != standby.port  # a port of its own, as the primary's
        standby.start()
        outside = {"REDIS_URL", "DATABASE_REPLICA_URL"}  # the machine's services stay out of it
        env = {
            **{k: v for k, v in os.environ.items() if k not in outside},
            "DJANGO_SETTINGS_MODULE": "lms.settings.test",
            "DATABASE_URL": primary.url("lms"),
            "DATABASE_REPLICA_URL": standby.url("lms"),
            "ALLOWED_HOSTS": "testserver",
            "LMS_REQUIRE_MFA": "false",
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(BASE_DIR), os.environ.get("PYTHONPATH")])
            ),
        }  # fmt: skip
        try:
            yield Clusters(primary, standby, env)
        except BaseException:
            for name, cluster in (("primary", primary), ("standby", standby)):
                print(f"--- {name} ---\n{cluster.log()[-3000:]}")
            raise


def test_reports_read_the_replica_and_everything_else_the_primary(clusters: Clusters) -> None:
    """Replay paused: the reports show the replica's older figures, the learner who joined since
    works on the primary; without DATABASE_REPLICA_URL the reports read the primary."""
    standby = clusters.standby.url("lms")
    assert sql(standby, "SELECT pg_is_in_recovery()") == [(True,)]
    clusters.probe("seed", replica=False)
    wait_for(lambda: clusters.on_standby(BEFORE), what="the standby to replay the seed")

    sql(standby, "SELECT pg_wal_replay_pause()")
    wait_for(
        lambda: sql(standby, "SELECT pg_get_wal_replay_pause_state()") == [("paused",)],
        what="replay to pause",
    )
    clusters.probe("later", replica=False)
    assert not clusters.on_standby(AFTER)
    logs_before = clusters.export_logs(clusters.primary)

    seen = clusters.probe("look")
    assert seen["export"] == [BEFORE]  # the replica's figures: "after" is not there yet
    assert seen["table"] == [BEFORE]
    assert seen["learner_page"] is True  # signed in and served by the primary
    assert seen["learner_progress_written"] is True
    assert clusters.export_logs(clusters.primary) == logs_before + 1  # the audit row: primary

    primary_only = clusters.probe("look", replica=False)
    assert primary_only["export"] == [AFTER, BEFORE]
    assert primary_only["table"] == [AFTER, BEFORE]

    sql(standby, "SELECT pg_wal_replay_resume()")
    wait_for(lambda: clusters.on_standby(AFTER), what="the standby to catch up")
    caught_up = clusters.probe("look")
    assert caught_up["export"] == [AFTER, BEFORE]
    assert caught_up["table"] == [AFTER, BEFORE]
    print(f"[replica] paused: {seen}; caught up: {caught_up}")
