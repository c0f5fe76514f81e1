r"""Reminders at scale: planning for 100,000 enrollments, and delivery through a real worker.

On PostgreSQL (DATABASE_URL) and Redis (REDIS_URL, default redis://127.0.0.1:6379/14), in a
throwaway test database:

1. ``seed_scale --learners N`` builds the Scale Test Agency; its enrollments are given an
   assignment in bulk, a tenth of the open ones each due today, tomorrow and in a week (a fifth
   of all are already overdue), so the planner has every kind of reminder to write; then
   ANALYZE, as autovacuum would (``--no-analyze`` to plan without statistics).
2. ``planner.plan`` is timed and its queries counted: SELECTs per agency and kind, INSERTs per
   1,000-row batch, never per learner. A second run shows the idempotent re-plan.
3. Delivery: an SMTP sink (aiosmtpd, counting only) and one Celery worker of 2 processes; E
   reminders are enqueued and emails per second measured until every one is marked sent. The
   reference, in the same run and to the same sink: a bare ``smtplib`` loop sending the same
   reminders' messages (built beforehand, so the same sizes) over one connection; then the
   ratio of the two.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench \\
        .venv/bin/python bench/reminders.py [--learners 100000] [--emails 5000]
"""

import argparse
import math
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file, from anywhere
from bench import harness

QUEUE = f"bench-reminders-{uuid.uuid4().hex[:8]}"
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
# The live tests' settings: the base settings, a queue of this run's own, a short retry back-off.
harness.django_setup(
    "tests.integration.live_settings", LMS_LIVE_QUEUE=QUEUE, CELERY_TASK_ALWAYS_EAGER="false"
)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--emails", type=int, default=5_000)
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="plan on the freshly loaded tables without ANALYZE (no planner statistics)",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/reminders.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    with harness.test_database(serialize=False):
        now = timezone.now()
        seed(args.learners, now, analyze=args.analyze)
        plan(now)
        deliver(args.emails)


def seed(learners: int, now, *, analyze: bool = True) -> None:
    from accounts.models import Agency
    from bench import data, scale
    from reminders.planner import agency_now

    started = time.perf_counter()
    call_command("seed_scale", learners=learners, stdout=harness.quiet())
    seeded = time.perf_counter() - started
    today = agency_now(Agency.objects.get(slug=scale.AGENCY_SLUG), now).date()
    assigned, open_, overdue = data.reminder_assignment(today=today)
    if analyze:
        # What autovacuum does a minute after a bulk load (where it runs: it is off on some test
        # servers). Without statistics PostgreSQL guesses one membership row and the planner's
        # queries become nested loops over every pair: minutes, not seconds (--no-analyze).
        harness.analyze()
    version = connection.pg_version  # type: ignore[attr-defined]  # PostgreSQL only, checked in main()
    print(f"database: PostgreSQL {version // 10000}; {QUEUE}")
    print(
        f"seed_scale --learners {learners:,}: {seeded:.1f} s; {assigned:,} enrollments assigned, "
        f"{open_:,} open, {overdue:,} overdue; " + ("ANALYZE run" if analyze else "no ANALYZE")
    )


def plan(now) -> None:
    from reminders import planner
    from reminders.models import Reminder

    def run() -> tuple[float, int, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            offered = planner.plan(now=now, ignore_window=True)
            elapsed = time.perf_counter() - started
        return elapsed, offered, [query["sql"] for query in queries.captured_queries]

    def verbs(statements: list[str]) -> str:
        # A server-side cursor (QuerySet.iterator) is one DECLARE ... CURSOR FOR SELECT, read
        # 1,000 rows per fetch; BEGIN and COMMIT wrap each batch's INSERT.
        counted = Counter(sql.split(None, 1)[0].upper() for sql in statements)
        reads = counted.pop("SELECT", 0) + counted.pop("DECLARE", 0)
        return ", ".join(
            [f"{reads} SELECT (cursors included)"]
            + [f"{n} {verb}" for verb, n in counted.most_common()]
        )

    elapsed, offered, statements = run()
    written = Reminder.objects.count()
    kinds = dict(Reminder.objects.values_list("kind").annotate(n=Count("pk")))
    batches = math.ceil(offered / planner.BATCH)
    print(
        f"plan, first run : {elapsed:.2f} s, {len(statements)} queries ({verbs(statements)}); "
        f"{offered:,} rows offered in {batches} batches of {planner.BATCH:,}, {written:,} written"
    )
    print(f"{'':18}rows by kind: {kinds}")
    harness.report(
        "reminder planning, first run",
        f"{elapsed:.2f} s, {len(statements)} queries for {offered:,} rows",
        "",
        "",
        "queries per batch, not per row",
    )
    print(f"{'':18}{offered / elapsed:,.0f} rows/s; {written / len(statements):.0f} rows/query")
    elapsed, offered, statements = run()
    print(
        f"plan, second run: {elapsed:.2f} s, {len(statements)} queries ({verbs(statements)}); "
        f"{Reminder.objects.count() - written} rows written (idempotent)"
    )


def deliver(emails: int) -> None:
    import redis

    from reminders import planner, tasks
    from reminders.models import Reminder
    from tests.integration.conftest import (
        CONCURRENCY,
        SmtpSink,
        Worker,
        _children,
        database_url,
        worker_env,
    )

    ids = planner.due_ids()
    ids = sorted(random.Random(0).sample(ids, min(emails, len(ids))))  # every kind, not the first
    kinds = dict(Reminder.objects.filter(pk__in=ids).values_list("kind").annotate(n=Count("pk")))
    redis_url = os.environ["REDIS_URL"]
    sink = SmtpSink(record=False).start()
    env = worker_env(
        queue=QUEUE,
        redis_url=redis_url,
        smtp_port=sink.port,
        database=database_url(connection.settings_dict),
        debug=False,
    )
    reference = smtplib_reference(ids, sink)
    with tempfile.TemporaryDirectory() as logs:
        worker = Worker(env=env, queue=QUEUE, log_path=Path(logs) / "worker.log", name=QUEUE)
        try:
            worker.start().wait_ready()
            accepted_before, sessions_before = sink.accepted, sink.sessions
            assert worker.process is not None
            workers = [worker.process.pid, *_children(worker.process.pid)]
            cpu_before, own_before = _cpu_seconds(workers), time.process_time()
            started = time.perf_counter()
            with transaction.atomic():
                tasks.enqueue(ids)
            sent = Reminder.objects.filter(status=Reminder.Status.SENT)
            deadline = time.monotonic() + max(120, len(ids) / 10)
            while sent.count() < len(ids):
                if time.monotonic() > deadline:
                    raise SystemExit(f"not all sent in time:\n{worker.log()[-3000:]}")
                time.sleep(0.1)
            elapsed = time.perf_counter() - started
            worker_cpu = _cpu_seconds(workers) - cpu_before
            own_cpu = time.process_time() - own_before
        finally:
            worker.kill()
            sink.stop()
            redis.Redis.from_url(redis_url).delete(QUEUE)
    outcome = dict(Reminder.objects.filter(pk__in=ids).values_list("status").annotate(
        n=Count("pk")
    ))  # fmt: skip
    ours = len(ids) / elapsed
    print(
        f"delivery        : {len(ids):,} reminders ({kinds}) by one worker of {CONCURRENCY} "
        f"processes in {elapsed:.1f} s: {ours:,.0f} emails/s; SMTP sink accepted "
        f"{sink.accepted - accepted_before:,} on {sink.sessions - sessions_before:,} connections; "
        f"rows {outcome}"
    )
    print(
        f"{'':18}CPU per email: {worker_cpu / len(ids) * 1000:.2f} ms in the worker's "
        f"processes, {own_cpu / len(ids) * 1000:.2f} ms in this one (the SMTP sink, and the "
        f"count of sent rows every 0.1 s), on {os.cpu_count()} cores"
    )
    harness.report(
        "reminder delivery (one worker, local SMTP sink) vs bare smtplib",
        f"{ours:,.0f} emails/s",
        f"{reference:,.0f} emails/s",
        f"{ours / reference:.2f}",
        ">= 500 emails/s",
    )
    print(
        f"reference       : bare smtplib, one connection, the same {len(ids):,} messages to the "
        f"same sink: {reference:,.0f} emails/s; ours/reference {ours / reference:.2f}"
    )


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used (Linux: /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / ticks


def smtplib_reference(ids: list[int], sink) -> float:
    """Emails per second of a bare smtplib loop over one connection, sending the reminders'
    own messages (built here, outside the timing) to ``sink``: the floor the sink and the
    machine set, with no database, claim or rendering."""
    import smtplib

    from reminders.models import Reminder
    from reminders.sending import build_message

    rows = Reminder.objects.filter(pk__in=ids).select_related(
        "recipient", "agency", "enrollment__series", "sent_by"
    )
    messages = []
    for reminder in rows:
        message = build_message(reminder)
        # CRLF lines, as Django's SMTP backend writes them (Django's MIME classes take linesep).
        content = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
        messages.append((message.from_email, message.to, content))
    before = sink.accepted
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for sender, to, content in messages:
            smtp.sendmail(sender, to, content)
    elapsed = time.perf_counter() - started
    assert sink.accepted - before == len(messages), "the sink accepted every reference message"
    return len(messages) / elapsed


if __name__ == "__main__":
    main()
