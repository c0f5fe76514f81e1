"""PostgreSQL restarted, then Redis restarted, under load: the site recovers by itself and loses
nothing.

The test runs on services of its own (``tests/integration/scratch.py``): a PostgreSQL cluster made
by ``initdb`` and a ``redis-server`` with no persistence, on free loopback ports, so the machine's
services stay up for the rest of the suite. On them, as deployed: gunicorn serving ``lms.wsgi``,
a Celery worker, celery beat (its reminder sweep every ``SWEEP_SECONDS``: the schedule is data,
an admin's setting) and an SMTP server, with DEBUG off and persistent database connections.

Learners record progress all along (video heartbeats, documents read); a supervisor nudges
learners one by one (each nudge a reminder row) and opens the agency dashboard (cached in Redis);
the planner queues a “due today” reminder for every learner due today (the learner clients; the
nudged ones are due later, as a learner gets one reminder email a day). PostgreSQL is stopped
(``pg_ctl stop -m fast``) and started again, then Redis (every queued task is lost with it).
Nobody restarts the server, the worker or the beat. Afterwards:

- the site answered again (health check, a learner's write, a nudge, the dashboard) and the
  worker sent again within ``RECOVERY_LIMIT`` seconds of each restart, and not one request failed
  once the service was back; while Redis was down, learners' writes and nudges did not fail;
- every write the server acknowledged is in the database: each acknowledged stretch of video is
  in the watched ranges, no percent or position below one acknowledged, each acknowledged
  document completed; every acknowledged nudge has its reminder row;
- every reminder row was sent exactly once: the SMTP server holds one message per row, with the
  Message-ID the row recorded, and nothing more.

The recovery seconds and the counts are printed (``pytest -s``), lines starting ``[fault]``.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import json
import secrets
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.conftest import services_required
from tests.integration.conftest import (
    BASE_DIR,
    SmtpSink,
    Worker,
    celery_sends_to,
    free_port,
    worker_env,
)
from tests.integration.scratch import (
    ScratchPostgres,
    ScratchRedis,
    Server,
    postgres_bin_dir,
    postgres_os_user,
)

LEARNERS = 6  # learner clients recording progress
REMINDED = 240  # more learners, due later: each gets a nudge (one reminder email a day)
SWEEP_SECONDS = 3  # the beat's reminder sweep, in this test's schedule
DOWN_SECONDS = 3  # how long each service stays down
STEADY_SECONDS = 3  # traffic between and after the restarts
RECOVERY_LIMIT = 30  # seconds
SMTP_DELAY = 0.03  # seconds the SMTP server takes per message
HOLD_SECONDS = 2  # and for the messages it is receiving when a service is stopped
PAUSE = 0.05  # seconds between a client's requests
KINDS = ("health", "video", "document", "nudge", "dashboard")
CSRF = secrets.token_hex(16)  # 32 characters: the cookie's secret, sent back in the header


# --- the clients ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    what: str  # one of KINDS
    started: float
    finished: float
    status: int  # the HTTP status, 0 for no answer
    ok: bool  # the answer acknowledged the request
    detail: tuple = ()


@dataclass
class Traffic:
    """What every client asked and what it was answered; ``stop`` ends the clients."""

    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    errors: list[BaseException] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def snapshot(self, what: str | None = None) -> list[Outcome]:
        with self.lock:
            return [o for o in self.outcomes if what is None or o.what == what]

    def acknowledged(self, what: str) -> list[Outcome]:
        return [o for o in self.snapshot(what) if o.ok]

    def first_ok(self, what: str, *, since: float) -> Outcome | None:
        """The first acknowledged request among those sent at ``since`` or later."""
        done = [o for o in self.acknowledged(what) if o.started >= since]
        return min(done, key=lambda o: o.finished, default=None)

    def failed(
        self, what: str, *, sent: tuple[float, float], answered_before: float
    ) -> list[Outcome]:
        return [
            o
            for o in self.snapshot(what)
            if not o.ok and sent[0] <= o.started < sent[1] and o.finished < answered_before
        ]

    def run(self, step: Callable[[], None]) -> None:
        """Call ``step`` in a thread of its own until ``stop``."""

        def loop() -> None:
            try:
                while not self.stop.is_set():
                    step()
                    time.sleep(PAUSE)
            except BaseException as exc:  # reported by the test, in its own thread
                self.errors.append(exc)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        self.threads.append(thread)

    def end(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)


class Site:
    """HTTP/1.1 to the server, one connection per request (gunicorn's sync workers close it)."""

    def __init__(self, port: int) -> None:
        self.port = port

    def call(
        self, method: str, path: str, *, session: str | None = None, json_body: Any = None
    ) -> tuple[int, str, bytes]:
        """(status, Location, body); status 0 when no answer came."""
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if session:
            headers["Cookie"] = f"sessionid={session}; csrftoken={CSRF}"
            headers["X-CSRFToken"] = CSRF
        body = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Location") or "", response.read()
        except (OSError, http.client.HTTPException):
            return 0, "", b""
        finally:
            connection.close()


def learner(site: Site, traffic: Traffic, who: dict, seed: dict) -> Callable[[], None]:
    """A learner watching the long video (a heartbeat per two seconds of it) and reading a
    document every fourth request, the next one once the last was acknowledged."""
    state = {"second": 0, "reading": 0, "turn": 0}
    documents = seed["documents"]

    def step() -> None:
        state["turn"] += 1
        started = time.monotonic()
        if state["turn"] % 4 == 0 and state["reading"] < len(documents):
            url = documents[state["reading"]]
            status, location, _ = site.call("POST", url + "progress/", session=who["session"])
            ok = status == 302 and location.endswith("/resume/")  # else back to the page
            traffic.add(
                Outcome("document", started, time.monotonic(), status, ok, (who["id"], url))
            )
            state["reading"] += ok
            return
        second = state["second"]
        state["second"] += 2
        status, _, body = site.call(
            "POST",
            seed["video"] + "progress/",
            session=who["session"],
            json_body={"watched": [[second, second + 2]], "position": second + 2},
        )
        ok = status == 200
        percent = json.loads(body)["percent"] if ok else None
        traffic.add(
            Outcome("video", started, time.monotonic(), status, ok, (who["id"], second, percent))
        )

    return step


def supervisor(site: Site, traffic: Traffic, seed: dict) -> Callable[[], None]:
    """A supervisor nudging each learner in turn (clicking again when the site failed), and
    opening the agency's dashboard (its figures are cached in Redis) every third click."""
    targets = list(seed["nudge"])
    turns = iter(range(1, 10**9))

    def step() -> None:
        started = time.monotonic()
        if next(turns) % 3 == 0 or not targets:
            status, _, _ = site.call("GET", "/agency/", session=seed["supervisor"])
            traffic.add(Outcome("dashboard", started, time.monotonic(), status, status == 200))
            return
        target = targets[0]
        status, _, _ = site.call(
            "POST", f"/agency/learners/{target['id']}/nudge/", session=seed["supervisor"]
        )
        ok = status == 302
        traffic.add(Outcome("nudge", started, time.monotonic(), status, ok, (target["email"],)))
        if ok:
            targets.pop(0)
        time.sleep(0.1)

    return step


def health_probe(site: Site, traffic: Traffic) -> Callable[[], None]:
    def step() -> None:
        started = time.monotonic()
        status, _, _ = site.call("GET", "/healthz")
        traffic.add(Outcome("health", started, time.monotonic(), status, status == 200))

    return step


# --- the services --------------------------------------------------------------------------------


def _tools() -> tuple[Path, str, str]:
    """PostgreSQL's server programs, who runs them, and redis-server; else skip (a failure
    under REQUIRE_SERVICES)."""
    problems = []
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        problems.append("initdb and pg_ctl (Debian: apt-get install postgresql)")
    os_user = postgres_os_user()
    if os_user is None:
        problems.append("a postgres OS user to run a cluster as (PostgreSQL refuses root)")
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        problems.append("redis-server (Debian: apt-get install redis-server)")
    for module in ("aiosmtpd", "gunicorn", "psycopg"):
        if importlib.util.find_spec(module) is None:
            problems.append(f"{module} (pip install -e '.[dev]')")
    if problems:
        message = "the fault test needs " + "; ".join(problems)
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    assert bin_dir is not None and os_user is not None and redis_server is not None
    return bin_dir, os_user, redis_server


class ReminderRow(NamedTuple):
    pk: int
    email: str
    kind: str
    status: str
    message_id: str
    attempts: int


class Database:
    """Reads of the scratch database in SQL: this process's Django stays on the test database."""

    def __init__(self, url: str) -> None:
        self.url = url

    def rows(self, sql: str) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url, connect_timeout=5) as conn:
            return conn.execute(sql).fetchall()

    def reminders(self) -> list[ReminderRow]:
        from accounts.models import User
        from reminders.models import Reminder

        rows = self.rows(
            "SELECT r.id, u.email, r.kind, r.status, r.message_id, r.attempts "  # noqa: S608
            f"FROM {Reminder._meta.db_table} r JOIN {User._meta.db_table} u "
            "ON u.id = r.recipient_id ORDER BY r.id"
        )
        return [ReminderRow(*row) for row in rows]

    def unsent(self) -> int:
        from reminders.models import Reminder

        table = Reminder._meta.db_table
        return self.rows(f"SELECT count(*) FROM {table} WHERE status <> 'sent'")[0][0]  # noqa: S608

    def progress(self) -> dict[tuple[int, str], tuple]:
        """(learner id, component URL) -> (state, watched ranges, position, percent)."""
        from courses.models import Component, Enrollment, Module, Progress, Series

        rows = self.rows(
            "SELECT e.user_id, s.slug, m.slug, c.slug, p.state, p.watched_ranges, "  # noqa: S608
            "p.position_seconds, p.percent "
            f"FROM {Progress._meta.db_table} p "
            f"JOIN {Enrollment._meta.db_table} e ON e.id = p.enrollment_id "
            f"JOIN {Component._meta.db_table} c ON c.id = p.component_id "
            f"JOIN {Module._meta.db_table} m ON m.id = c.module_id "
            f"JOIN {Series._meta.db_table} s ON s.id = m.series_id"
        )
        return {
            (user_id, f"/series/{series}/{module}/{component}/"): tuple(rest)
            for user_id, series, module, component, *rest in rows
        }


@dataclass
class Scratch:
    """The test's own PostgreSQL, Redis and SMTP server, and the environment of a process of
    the site on them (as deployed: DEBUG off, persistent database connections)."""

    postgres: ScratchPostgres
    redis: ScratchRedis
    sink: SmtpSink
    database: Database
    env: dict[str, str]
    queue: str
    tmp_path: Path
    stack: contextlib.ExitStack
    worker: Worker | None = None

    def seed(self, learners: int, reminded: int, *, apart: bool = False) -> dict:
        out = _run(
            [sys.executable, "-m", "tests.integration.faults_data",
             str(learners), str(reminded), str(SWEEP_SECONDS), *(["apart"] if apart else [])],
            self.env,
        )  # fmt: skip
        return json.loads(out.strip().splitlines()[-1])

    def start_worker(self) -> Worker:
        self.worker = Worker(
            env=self.env, queue=self.queue, log_path=self.tmp_path / "worker.log", name=self.queue
        )
        self.stack.callback(self.worker.kill)
        self.worker.start()
        return self.worker

    def worker_alive(self) -> bool:
        process = self.worker.process if self.worker else None
        return process is not None and process.poll() is None


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def scratch(tmp_path) -> Iterator[Scratch]:
    """A PostgreSQL cluster and a Redis of the test's own and the SMTP sink; every process the
    test starts on them is stopped and every directory removed at the end, whatever happened."""
    bin_dir, os_user, redis_server = _tools()
    with contextlib.ExitStack() as stack:
        postgres = ScratchPostgres(bin_dir, os_user)
        stack.callback(postgres.close)
        postgres.init().start()
        postgres.create_database("lms")
        redis = ScratchRedis(redis_server)
        stack.callback(redis.close)
        redis.start()
        sink = SmtpSink(delay=SMTP_DELAY).start()
        stack.callback(sink.stop)
        queue = f"faults-{uuid.uuid4().hex[:10]}"
        env = worker_env(
            queue=queue,
            redis_url=redis.url(0),
            smtp_port=sink.port,
            database=postgres.url("lms"),
            debug=False,
        )
        env.update(
            CONN_MAX_AGE="60",  # persistent connections, as in production: they must recover
            ALLOWED_HOSTS="127.0.0.1",
            LMS_REQUIRE_MFA="false",  # the supervisor's session has no second factor to offer
        )
        yield Scratch(
            postgres, redis, sink, Database(postgres.url("lms")), env, queue, tmp_path, stack
        )


@dataclass
class Deployment:
    """The site as deployed on the scratch services: gunicorn, a Celery worker and beat."""

    scratch: Scratch
    server: Server
    beat: Server
    site: Site
    seed: dict

    def alive(self) -> dict[str, bool]:
        return {
            "gunicorn": self.server.alive(),
            "worker": self.scratch.worker_alive(),
            "beat": self.beat.alive(),
        }

    def logs(self, tail: int = 3000) -> str:
        s = self.scratch
        return "\n".join(
            f"--- {name} ---\n{text[-tail:]}"
            for name, text in (
                ("gunicorn", self.server.log()), ("worker", s.worker.log() if s.worker else ""),
                ("beat", self.beat.log()), ("postgres", s.postgres.log()),
                ("redis", s.redis.log()),
            )
        )  # fmt: skip


@pytest.fixture
def deployment(scratch) -> Deployment:
    """The data written, then gunicorn, a worker and beat started on the scratch services."""
    seed = scratch.seed(LEARNERS, REMINDED, apart=True)
    port = free_port()
    server = Server(
        [sys.executable, "-m", "gunicorn", "lms.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "3", "--timeout", "60", "--graceful-timeout", "5"],
        env=scratch.env, log_path=scratch.tmp_path / "gunicorn.log", cwd=BASE_DIR,
    )  # fmt: skip
    scratch.stack.callback(server.stop)
    server.start()
    worker = scratch.start_worker()
    beat = Server(
        [sys.executable, "-m", "celery", "-A", "lms", "beat", "--loglevel=INFO",
         "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler", "--pidfile="],
        env=scratch.env, log_path=scratch.tmp_path / "beat.log", cwd=scratch.tmp_path,
    )  # fmt: skip
    scratch.stack.callback(beat.stop)
    beat.start()
    site = Site(port)
    deployed = Deployment(scratch, server, beat, site, seed)
    try:
        wait_for(lambda: site.call("GET", "/healthz")[0] == 200, timeout=60, what="gunicorn")
        worker.wait_ready(timeout=60)
    except AssertionError:
        print(deployed.logs())
        raise
    return deployed


# --- the restarts --------------------------------------------------------------------------------


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Restart:
    name: str
    stopped: float = 0.0
    up: float = 0.0  # the service answers again
    until: float = 0.0  # the end of the traffic counted for it (the next restart, or the end)
    answered: dict[str, float] = field(default_factory=dict)  # seconds after ``up``
    failed_down: dict[str, list[Outcome]] = field(default_factory=dict)  # sent while down
    failed_after: dict[str, list[Outcome]] = field(default_factory=dict)  # sent once back

    def count(self, traffic: Traffic) -> None:
        for what in KINDS:
            self.failed_down[what] = traffic.failed(
                what, sent=(self.stopped, self.up), answered_before=self.until
            )
            # Answered before the next restart began: a request caught by it belongs to it.
            self.failed_after[what] = traffic.failed(
                what, sent=(self.up, self.until), answered_before=self.until
            )

    def report(self) -> str:
        def counts(failed: dict[str, list[Outcome]]) -> str:
            return ", ".join(f"{what} {len(outcomes)}" for what, outcomes in failed.items())

        return (
            f"[fault] {self.name} down {self.up - self.stopped:.1f} s; answered again "
            + ", ".join(f"{what} {seconds:.2f} s" for what, seconds in self.answered.items())
            + f" after it was back; requests failed while down: {counts(self.failed_down)}; "
            + f"once back: {counts(self.failed_after)}"
        )


def restart(
    name: str,
    stop: Callable[[], None],
    start: Callable[[], None],
    *,
    sink: SmtpSink,
    traffic: Traffic,
) -> Restart:
    """Stop a service while a reminder is being sent (the SMTP server holds it HOLD_SECONDS:
    the worker has claimed the row, not yet recorded it, and not acknowledged its task), leave
    it down DOWN_SECONDS, start it; then wait until the site has answered each kind of request
    sent after it was back, recording the seconds."""
    sink.delay = HOLD_SECONDS
    wait_for(lambda: sink.receiving, timeout=30, what="a reminder being sent")
    restarted = Restart(name, stopped=time.monotonic())
    stop()
    sink.delay = SMTP_DELAY
    time.sleep(DOWN_SECONDS)
    start()
    restarted.up = time.monotonic()
    for what in ("health", "video", "nudge", "dashboard"):
        first = wait_for(
            lambda w=what: traffic.first_ok(w, since=restarted.up),
            timeout=RECOVERY_LIMIT + 5,
            what=f"an answer to a {what} request after the {name} restart",
        )
        restarted.answered[what] = first.finished - restarted.up
    return restarted


def first_received(sink: SmtpSink, *, since: float) -> float | None:
    return min((m.received_at for m in sink.snapshot() if m.received_at >= since), default=None)


# --- the test ------------------------------------------------------------------------------------


def test_restarting_postgresql_then_redis_loses_nothing(deployment: Deployment) -> None:
    """The site answers again within 30 s of each restart by itself; no acknowledged write is
    lost; every reminder is sent exactly once."""
    d, s = deployment, deployment.scratch
    traffic = Traffic()
    try:
        traffic.run(health_probe(d.site, traffic))
        for who in d.seed["learners"]:
            traffic.run(learner(d.site, traffic, who, d.seed))
        traffic.run(supervisor(d.site, traffic, d.seed))
        wait_for(lambda: len(traffic.snapshot()) > 50 or traffic.errors, timeout=30, what="load")
        assert not traffic.errors, traffic.errors
        _run([sys.executable, "manage.py", "send_reminders", "--async"], s.env)
        wait_for(lambda: s.sink.accepted >= 20, timeout=30, what="reminders being sent")

        pg = restart(
            "PostgreSQL", lambda: s.postgres.stop("fast"), s.postgres.start,
            sink=s.sink, traffic=traffic,
        )  # fmt: skip
        sent_again = wait_for(
            lambda: first_received(s.sink, since=pg.up),
            timeout=RECOVERY_LIMIT + 5,
            what="the worker to send again after the PostgreSQL restart",
        )
        pg.answered["sending"] = sent_again - pg.up
        time.sleep(STEADY_SECONDS)

        with s.redis.client() as client:
            queued_tasks = client.llen(s.queue)  # lost with Redis; the sweep makes up for them
        rd = restart("Redis", s.redis.stop, s.redis.start, sink=s.sink, traffic=traffic)
        time.sleep(STEADY_SECONDS)

        traffic.end()
        pg.until, rd.until = rd.stopped, time.monotonic()
        assert not traffic.errors, traffic.errors
        wait_for(
            lambda: s.database.unsent() == 0,
            timeout=90,
            what="every reminder sent (the beat's sweep hands over what Redis lost)",
            every=0.5,
        )
        alive = d.alive()
        reminders = s.database.reminders()
        progress = s.database.progress()
    except BaseException:
        traffic.end()
        print(d.logs())
        print("answers:", sorted(Counter((o.what, o.status) for o in traffic.snapshot()).items()))
        with contextlib.suppress(Exception):
            print("reminders:", Counter((r.kind, r.status) for r in s.database.reminders()))
        raise
    delivered = s.sink.snapshot()

    # --- the figures ----------------------------------------------------------------------------
    for restarted in (pg, rd):
        restarted.count(traffic)
    nudged = {o.detail[0]: o for o in traffic.acknowledged("nudge")}
    nudge_rows = {row.email: row for row in reminders if row.kind == "nudge"}
    # After the Redis restart the worker is back on the broker once a nudge acknowledged after
    # it reaches the SMTP server: how long from Redis being back until that email arrived.
    received = {m.message_id: m.received_at for m in delivered}
    first_nudge = min((o for o in nudged.values() if o.started >= rd.up), key=lambda o: o.finished)
    rd.answered["sending"] = received[nudge_rows[first_nudge.detail[0]].message_id] - rd.up
    acknowledged = Counter(o.what for o in traffic.snapshot() if o.ok)
    # Sends only the beat's sweep could hand over: the tasks lost with Redis and the nudges
    # accepted while it was down (their tasks could not be published).
    accepted_while_down = [o for o in nudged.values() if rd.stopped <= o.started < rd.up]
    print()
    for restarted in (pg, rd):
        print(restarted.report())
    print(
        f"[fault] acknowledged: {acknowledged['video']} video heartbeats, "
        f"{acknowledged['document']} documents, {acknowledged['nudge']} nudges, "
        f"{acknowledged['dashboard']} dashboards, {acknowledged['health']} health checks; "
        f"send tasks lost with Redis: {queued_tasks}, nudges accepted while it was down: "
        f"{len(accepted_while_down)}; reminder rows {len(reminders)} "
        f"({len(nudge_rows)} nudges), emails {len(delivered)}, rows sent on a second attempt: "
        f"{sum(1 for row in reminders if row.attempts > 1)}"
    )
    for restarted in (pg, rd):
        if late := [o for outcomes in restarted.failed_after.values() for o in outcomes]:
            print(f"[fault] failed once {restarted.name} was back:", late)

    # --- nobody restarted anything; the site came back in time, and stayed -------------------
    assert all(alive.values()), alive
    for restarted in (pg, rd):
        for what, seconds in restarted.answered.items():
            assert seconds < RECOVERY_LIMIT, (restarted.name, what, seconds)
        # Back means back: a persistent database connection is checked before it is reused,
        # the broker's connections are reopened.
        assert not any(restarted.failed_after.values()), restarted.failed_after
    # Redis is not on the way of a learner's write or a supervisor's nudge (the outbox row is
    # the nudge; the sweep hands it over if the broker could not take it).
    assert not (rd.failed_down["video"] or rd.failed_down["document"] or rd.failed_down["nudge"])
    # Nor of the dashboard: its cached figures are computed afresh while Redis is away.
    assert not rd.failed_down["dashboard"], rd.failed_down["dashboard"]

    # --- every acknowledged write is in the database ----------------------------------------
    for outcome in traffic.acknowledged("video"):
        who, second, percent = outcome.detail
        _state, ranges, position, stored_percent = progress[(who, d.seed["video"])]
        assert any(start <= second and second + 2 <= end for start, end in ranges), outcome
        assert position >= second + 2, outcome
        assert stored_percent >= percent, outcome
    for outcome in traffic.acknowledged("document"):
        assert progress[outcome.detail][0] == "completed", outcome
    assert set(nudged) <= set(nudge_rows), "every acknowledged nudge has its reminder"

    # --- every reminder sent exactly once ----------------------------------------------------
    assert queued_tasks or accepted_while_down, "the sweep had something to make up for"
    kinds = Counter(row.kind for row in reminders)
    assert kinds["due_today"] == LEARNERS
    assert all(row.status == "sent" and row.message_id for row in reminders)
    per_message_id = Counter(m.message_id for m in delivered)
    assert {row.message_id: per_message_id[row.message_id] for row in reminders} == {
        row.message_id: 1 for row in reminders
    }, "each row's message arrived once"
    assert len(delivered) == len(reminders), "no email beyond one per reminder row"


def test_a_worker_sending_through_a_redis_restart_reconnects_and_goes_on(
    scratch: Scratch, settings
) -> None:
    """Redis restarted while the worker sends a batch (its task not yet acknowledged: acks are
    late): the worker reconnects instead of stopping, takes the next task, and the batch is
    sent once."""
    from reminders import tasks

    s = scratch
    s.seed(1, 20)
    worker = s.start_worker().wait_ready(timeout=60)
    s.sink.delay = 0.3
    _run([sys.executable, "manage.py", "send_reminders", "--async"], s.env)  # one task of 21
    wait_for(lambda: s.sink.receiving, timeout=30, what="the batch being sent")
    s.redis.stop()
    time.sleep(DOWN_SECONDS)
    s.redis.start()
    up = time.monotonic()
    wait_for(
        lambda: worker.log().count("Connected to redis") >= 2 or not s.worker_alive(),
        timeout=RECOVERY_LIMIT,
        what="the worker to reconnect",
    )
    reconnected = time.monotonic() - up
    assert s.worker_alive(), worker.log()[-3000:]
    assert "Unrecoverable error" not in worker.log()
    s.sink.delay = 0
    with celery_sends_to(broker_url=s.redis.url(0), queue=s.queue):
        # As the live fixture does: Celery reads these through Django's settings too.
        settings.CELERY_BROKER_URL = s.redis.url(0)
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.CELERY_TASK_DEFAULT_QUEUE = s.queue
        task_id = tasks.sweep_reminders.delay().id
    wait_for(
        lambda: f"sweep_reminders[{task_id}] succeeded" in worker.log(),
        timeout=RECOVERY_LIMIT,
        what="the worker to take a task sent after the restart",
    )
    wait_for(lambda: s.database.unsent() == 0, timeout=60, what="the batch sent", every=0.5)
    reminders = s.database.reminders()
    delivered = Counter(m.message_id for m in s.sink.snapshot())
    print(
        f"\n[fault] worker sending through a Redis restart: reconnected {reconnected:.1f} s after "
        f"Redis was back; {len(reminders)} reminders, {sum(delivered.values())} emails"
    )
    assert len(reminders) == 21
    assert delivered == Counter(row.message_id for row in reminders)


@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_the_database_dropped_is_replaced_before_the_next_request() -> None:
    """With persistent connections (CONN_MAX_AGE), a connection the database ended (a restart,
    an idle timeout) is checked and replaced when the next request begins: that request does
    not fail on it."""
    import psycopg
    from django.core.signals import request_finished, request_started
    from django.db import connection

    if connection.vendor != "postgresql":
        message = "needs PostgreSQL (DATABASE_URL) to end a connection from the server's side"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        request_started.send(sender=None)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        request_finished.send(sender=None)  # the connection is kept for the next request
        with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", [pid])
        request_started.send(sender=None)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        connection.close()
