"""Services of a test's own, for the fault test: restartable, on free ports of 127.0.0.1.

- ``ScratchPostgres``: a cluster made by ``initdb`` in a temporary directory, run with ``pg_ctl``
  (as the ``postgres`` OS user when the tests run as root: PostgreSQL refuses to run as root);
- ``ScratchRedis``: a ``redis-server`` with no persistence (a restart empties it, as a crash of an
  unpersisted Redis would);
- ``Server``: any long-running command of ours (gunicorn, celery beat) in a process group of its
  own, stopped with the whole group.

Every class removes what it made in ``close()``, which is safe to call twice and after a failure;
the machine's own PostgreSQL and Redis are never touched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tests.integration.conftest import free_port

if TYPE_CHECKING:
    import redis

PG_BIN_DIRS = "/usr/lib/postgresql"


def postgres_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb and pg_ctl (Debian's
    layout), else the directory of an ``initdb`` on the PATH."""
    found = []
    for bin_dir in Path(PG_BIN_DIRS).glob("*/bin"):
        version = re.match(r"\d+", bin_dir.parent.name)
        if version and (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists():
            found.append((int(version.group()), bin_dir))
    if found:
        return max(found)[1]
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def postgres_os_user() -> str | None:
    """Who runs the scratch cluster: ourselves, or ``postgres`` when we are root (None when
    root and there is no such user)."""
    if os.geteuid() != 0:
        return ""
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return "postgres"


class ScratchPostgres:
    """A PostgreSQL cluster of the test's own: trust authentication, loopback only, no fsync."""

    def __init__(self, bin_dir: Path, os_user: str) -> None:
        self.bin_dir, self.os_user = bin_dir, os_user
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="lms-faults-pg-"))
        self.data = self.root / "data"
        self.log_path = self.root / "postgres.log"
        self.running = False

    def _as_owner(self, *command: str | Path) -> list[str]:
        prefix = ["runuser", "-u", self.os_user, "--"] if self.os_user else []
        return [*prefix, *map(str, command)]

    def _run(self, *command: str | Path, timeout: float = 60) -> None:
        result = subprocess.run(  # noqa: S603 (PostgreSQL's own programs, our arguments)
            self._as_owner(*command), capture_output=True, text=True, timeout=timeout
        )
        if result.returncode != 0:
            raise AssertionError(
                f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n{self.log()[-3000:]}"
            )

    def init(self) -> ScratchPostgres:
        if self.os_user:
            shutil.chown(self.root, self.os_user)
        self._run(
            self.bin_dir / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        return self

    def start(self) -> ScratchPostgres:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
            " -c fsync=off -c full_page_writes=off"
        )
        self._run(
            self.bin_dir / "pg_ctl", "-D", self.data, "-l", self.log_path, "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip
        self.running = True
        return self

    def stop(self, mode: str = "fast") -> None:
        """``fast``: clients are disconnected, open transactions rolled back, a clean shutdown."""
        self._run(self.bin_dir / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")
        return ""

    def close(self) -> None:
        if self.running:
            with contextlib.suppress(Exception):
                self.stop("immediate")
        if self.running:  # pg_ctl failed: end the postmaster we started, by its pid file
            with contextlib.suppress(OSError, ValueError, IndexError):
                pid = int((self.data / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGKILL)
        self.running = False
        shutil.rmtree(self.root, ignore_errors=True)


class Server:
    """A long-running command in a process group of its own, its output in a log file."""

    def __init__(
        self, command: list[str], *, env: dict[str, str], log_path: Path, cwd: Path
    ) -> None:
        self.command, self.env, self.log_path, self.cwd = command, env, log_path, cwd
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")
        return ""

    def stop(self, *, grace: float = 10) -> None:
        """SIGTERM to the group (the process and the children it forked), SIGKILL after
        ``grace`` seconds."""
        if self.process is None:
            return
        pgid = self.process.pid  # the group leader: start_new_session made its own group
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=wait)
                if not _group_alive(pgid):
                    break
            deadline = time.monotonic() + wait
            while _group_alive(pgid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if not _group_alive(pgid):
                break
        self.process = None

    close = stop


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    # Zombies of the group still count for killpg; they are gone once reaped.
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


class ScratchRedis:
    """A redis-server of the test's own with no persistence: ``restart`` loses every key."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="lms-faults-redis-"))
        self.server: Server | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self) -> redis.Redis:
        import redis

        return redis.Redis.from_url(self.url(), socket_connect_timeout=2, socket_timeout=2)

    def start(self, *, timeout: float = 30) -> ScratchRedis:
        import redis

        command = [
            self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(self.root), "--daemonize", "no",
        ]  # fmt: skip
        self.server = Server(
            command, env=dict(os.environ), log_path=self.root / "redis.log", cwd=self.root
        ).start()
        client = self.client()
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    client.ping()
                    return self
                except redis.RedisError:
                    if time.monotonic() > deadline or not self.server.alive():
                        raise AssertionError(f"redis-server did not start:\n{self.log()}") from None
                    time.sleep(0.02)
        finally:
            client.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def log(self) -> str:
        return self.server.log() if self.server else ""

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
