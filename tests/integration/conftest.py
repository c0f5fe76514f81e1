"""The live reminder harness: a real Celery worker on Redis, a real SMTP server, PostgreSQL.

- ``SmtpSink``: an aiosmtpd server in this process, on a free port of 127.0.0.1, that records what
  it accepts (Message-ID, To, Subject) and can be told to refuse, at RCPT or DATA, the first N
  messages or all of them.
- ``Worker``: ``celery -A lms worker --pool=prefork --concurrency=2`` as a subprocess (so a test
  can SIGKILL it), on the test database, a Redis database of its own and the sink, consuming a
  queue unique to the test. Its settings are ``tests.integration.live_settings``.
- ``live``: the fixture that puts them together; the test process sends its tasks to the same
  broker and queue, and every worker it started is killed when the test ends.

The tests skip when Redis cannot be reached, the database is not PostgreSQL or aiosmtpd is not
installed, unless ``REQUIRE_SERVICES`` is set, when each of those is a failure.
``bench/reminders.py`` and the fault test (``test_faults.py``) reuse ``SmtpSink``, ``Worker`` and
``worker_env``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]
LIVE_SETTINGS = "tests.integration.live_settings"
LIVE_REDIS_DB = int(os.environ.get("LMS_LIVE_REDIS_DB", "14"))
CONCURRENCY = 2


# --- the SMTP sink -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivered:
    message_id: str
    to: str
    subject: str
    received_at: float = field(default=0.0, compare=False)  # time.monotonic() at acceptance


class SmtpSink:
    """An SMTP server on 127.0.0.1 that records the messages it accepts.

    ``refuse("451 4.3.0 try later", times=2)`` refuses the next two messages, then accepts;
    ``refuse("550 5.1.1 no such user")`` refuses every message; ``stage`` says whether the refusal
    answers RCPT TO (where real servers refuse unknown users) or the end of DATA. ``delay`` seconds
    pass before each message is accepted, as on a real server that is not instant (it may be
    changed at any time); ``receiving`` counts the messages being held so.
    """

    def __init__(self, *, record: bool = True, delay: float = 0) -> None:
        self.record, self.delay = record, delay
        self.lock = threading.Lock()
        self.delivered: list[Delivered] = []
        self.accepted = 0
        self.transactions = 0  # messages that reached RCPT TO (every reminder has one recipient)
        self.sessions = 0  # SMTP connections that greeted with EHLO (as smtplib does, once each)
        self.receiving = 0
        self.refused: list[tuple[str, str]] = []  # (stage, recipient)
        self._reply: str | None = None
        self._stage = "data"
        self._times: int | None = None
        self.controller = None
        self.port = 0

    def refuse(self, reply: str, *, stage: str = "data", times: int | None = None) -> None:
        assert stage in ("rcpt", "data"), stage
        with self.lock:
            self._reply, self._stage, self._times = reply, stage, times

    def _refusal(self, stage: str) -> str | None:
        with self.lock:
            if self._reply is None or self._stage != stage:
                return None
            if self._times is not None:
                if self._times <= 0:
                    return None
                self._times -= 1
            return self._reply

    async def handle_EHLO(self, server, session, envelope, hostname, responses) -> list[str]:
        session.host_name = hostname  # what aiosmtpd does itself when there is no hook
        with self.lock:
            self.sessions += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        with self.lock:
            self.transactions += 1
        reply = self._refusal("rcpt")
        if reply:
            with self.lock:
                self.refused.append(("rcpt", address))
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        reply = self._refusal("data")
        if reply:
            with self.lock:
                self.refused.extend(("data", to) for to in envelope.rcpt_tos)
            return reply
        if self.delay:
            with self.lock:
                self.receiving += 1
            try:
                await asyncio.sleep(self.delay)
            finally:
                with self.lock:
                    self.receiving -= 1
        delivered = []
        if self.record:
            headers = BytesHeaderParser(policy=default_policy).parsebytes(envelope.content)
            now = time.monotonic()
            delivered = [
                Delivered(str(headers["Message-ID"]), to, str(headers["Subject"]), now)
                for to in envelope.rcpt_tos
            ]
        with self.lock:
            self.accepted += len(envelope.rcpt_tos)
            self.delivered.extend(delivered)
        return "250 2.0.0 OK: queued"

    def start(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
        self.port = free_port()
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, server_hostname="sink.test"
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def snapshot(self) -> list[Delivered]:
        with self.lock:
            return list(self.delivered)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the worker subprocess -----------------------------------------------------------------------


def live_redis_url() -> str:
    """The Redis of REDIS_URL (or the local default), database LMS_LIVE_REDIS_DB (14)."""
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit((parts.scheme, parts.netloc, f"/{LIVE_REDIS_DB}", "", ""))


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL naming the database this process is connected to (the test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def worker_env(
    *,
    queue: str,
    redis_url: str,
    smtp_port: int,
    database: str,
    retry_base_seconds: float = 1,
    debug: bool = True,
) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": LIVE_SETTINGS,
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "DEBUG": "true" if debug else "false",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LMS_LIVE_QUEUE": queue,
        "LMS_LIVE_RETRY_BASE_SECONDS": str(retry_base_seconds),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(BASE_DIR), os.environ.get("PYTHONPATH")])),
    }
    if not debug:
        env.setdefault("SECRET_KEY", "live-worker-only-secret-key-" + "x" * 40)
        env.setdefault("LMS_SIGNING_KEY", settings.LMS_SIGNING_KEY)  # the test run's own key
    return env


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command name, in parentheses, may hold spaces: the fields start after it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    return True


class Worker:
    """One ``celery worker`` subprocess: a main process and CONCURRENCY pool processes."""

    def __init__(self, *, env: dict[str, str], queue: str, log_path: Path, name: str) -> None:
        self.env, self.queue, self.log_path, self.name = env, queue, log_path, name
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        command = [
            sys.executable, "-m", "celery", "-A", "lms", "worker", "--pool=prefork",
            f"--concurrency={CONCURRENCY}", "-Q", self.queue, "-n", f"{self.name}@%h",
            "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=INFO",
        ]  # fmt: skip
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 30) -> Worker:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"worker {self.name} did not start:\n{self.log()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL the main process; its pool processes die with it (Celery sets their parent-death
        signal). Returns once every one of them is gone."""
        if self.process is None or self.process.poll() is not None:
            return
        pool = _children(self.process.pid)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not all(_gone(pid) for pid in pool):
            if time.monotonic() > deadline:
                for pid in pool:  # only the pool processes of the worker this test started
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 10
            time.sleep(0.02)


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, every=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@contextlib.contextmanager
def celery_sends_to(*, broker_url: str, queue: str) -> Iterator[None]:
    """Make this process's Celery app publish to ``broker_url``/``queue`` instead of running tasks
    eagerly. The app caches its configuration, connection pool and routes: reset all three, and
    put them back afterwards."""
    from kombu import pools

    from lms.celery import app

    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {key: app.conf[key] for key in keys}

    def reset() -> None:
        pools.reset()  # kombu's connection and producer pools, shared by broker URL
        app._pool = None
        app.__dict__.pop("amqp", None)  # queues, router and producer pool are built from conf

    reset()
    app.conf.update(broker_url=broker_url, task_always_eager=False, task_default_queue=queue)
    try:
        yield
    finally:
        reset()
        app.conf.update(saved)


# --- the fixture ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_services() -> str:
    """The Redis URL for the live tests, or a skip (a failure under REQUIRE_SERVICES)."""
    from django.db import connection

    from tests.conftest import services_required

    url = live_redis_url()
    problem = None
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        problem = "aiosmtpd is not installed (pip install -e '.[dev]')"
    if problem is None and connection.vendor != "postgresql":
        problem = f"the live reminder tests need PostgreSQL (DATABASE_URL), not {connection.vendor}"
    if problem is None:
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
        except redis.RedisError as exc:
            problem = f"no Redis at {url}: {exc}"
    if problem:
        if services_required():
            pytest.fail(problem)
        pytest.skip(problem)
    return url


@dataclass
class Live:
    sink: SmtpSink
    queue: str
    redis_url: str
    redis: object
    tmp_path: Path
    workers: list[Worker]

    def worker(self, *, ready: bool = True) -> Worker:
        from django.db import connection

        env = worker_env(
            queue=self.queue,
            redis_url=self.redis_url,
            smtp_port=self.sink.port,
            database=database_url(connection.settings_dict),
        )
        name = f"{self.queue}-{len(self.workers) + 1}"
        worker = Worker(
            env=env, queue=self.queue, log_path=self.tmp_path / f"{name}.log", name=name
        )
        self.workers.append(worker)
        worker.start()
        return worker.wait_ready() if ready else worker

    def queue_length(self) -> int:
        return self.redis.llen(self.queue)

    def kill_all(self) -> None:
        for worker in self.workers:
            worker.kill()


@pytest.fixture
def live(live_services, transactional_db, settings, tmp_path) -> Iterator[Live]:
    """A running SMTP sink and Celery pointed at Redis; ``live.worker()`` starts a worker."""
    import redis

    client = redis.Redis.from_url(live_services)
    client.flushdb()
    sink = SmtpSink().start()
    queue = f"live-{uuid.uuid4().hex[:10]}"
    state = Live(sink, queue, live_services, client, tmp_path, [])
    try:
        # First, while Django's settings are the test settings: the Celery app reads them the
        # first time its configuration is used, and keeps what it read.
        with celery_sends_to(broker_url=live_services, queue=queue):
            settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
            settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.port
            settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
            settings.CELERY_BROKER_URL = live_services
            settings.CELERY_TASK_ALWAYS_EAGER = False
            settings.CELERY_TASK_DEFAULT_QUEUE = queue
            yield state
    finally:
        # Before the database is flushed: a worker must not hold a connection to it.
        state.kill_all()
        sink.stop()
        client.flushdb()
        client.close()
