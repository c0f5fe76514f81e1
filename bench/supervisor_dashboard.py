r"""Supervisor pages at scale, against raw SQL on the same data, in one process and one run.

Builds (or reuses) the “Scale Test Agency” with ``seed_scale`` on the database DATABASE_URL names
(PostgreSQL for figures worth quoting), then reports:
- dashboard and learners-table page times, the table's first page and its 20th (full Django
  stack through the test client); the dashboard twice: as most requests see it (its figures
  kept for a minute per agency) and with the figures computed afresh on every request (the
  kept copy dropped first),
- the time of the equivalent single raw SQL aggregate (the dashboard's figures: status counts
  per series and completions per week) and the ratio dashboard / raw SQL (target: 2x or less),
- the CSV export of every row: rows per second and the process's memory growth while streaming
  (target: flat memory, well over 20,000 rows per second).

    createdb -h 127.0.0.1 -U postgres lms_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench \
        .venv/bin/python bench/supervisor_dashboard.py --learners 10000
"""

import argparse
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file, from anywhere
from bench import harness

harness.django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

# The same figures as the dashboard's aggregate, hand-written: status counts per series and
# completions per week in the agency's time zone, in one pass over the current enrollments.
RAW_AGGREGATE = """
SELECT e.series_id,
       date_trunc('week', e.completed_at AT TIME ZONE %(zone)s) AS week,
       count(*) AS total,
       count(*) FILTER (WHERE e.completed_at IS NOT NULL) AS completed,
       count(*) FILTER (WHERE e.completed_at IS NULL AND e.due_on < %(today)s) AS overdue,
       count(*) FILTER (WHERE e.completed_at IS NULL
                          AND (e.due_on IS NULL OR e.due_on >= %(today)s)
                          AND e.started_at IS NOT NULL) AS in_progress,
       count(*) FILTER (WHERE e.completed_at IS NULL
                          AND (e.due_on IS NULL OR e.due_on >= %(today)s)
                          AND e.started_at IS NULL) AS not_started
FROM courses_enrollment e
WHERE e.is_current
  AND EXISTS (SELECT 1 FROM accounts_membership m
              WHERE m.user_id = e.user_id AND m.agency_id = %(agency)s AND m.role = 'learner')
GROUP BY 1, 2
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--components", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    from accounts.models import Agency, User
    from courses.models import Enrollment, Progress

    harness.prepare_database()
    start = time.perf_counter()
    call_command(
        "seed_scale",
        learners=args.learners,
        components=args.components,
        stdout=harness.quiet(),
    )
    seeded = time.perf_counter() - start
    agency = Agency.objects.get(slug="scale-test-agency")
    supervisor = User.objects.get(email="scale-supervisor@example.com")
    enrollments = Enrollment.objects.filter(user__memberships__agency=agency).count()
    progress = Progress.objects.filter(enrollment__user__memberships__agency=agency).count()
    harness.analyze()

    client = Client()
    client.force_login(supervisor)

    from supervision.selectors import dashboard_forget

    def dashboard():
        response = client.get("/agency/")
        assert response.status_code == 200, response.status_code

    def dashboard_cold():
        dashboard_forget(agency)
        dashboard()

    def table():
        response = client.get("/agency/learners/?sort=status")
        assert response.status_code == 200, response.status_code

    def table_deep():
        response = client.get("/agency/learners/?page=20")
        assert response.status_code == 200, response.status_code

    params: dict[str, Any] = {
        "today": agency.today(),
        "agency": agency.pk,
        "zone": agency.timezone,
    }

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW_AGGREGATE, params)
            cursor.fetchall()

    # The two sides must compute the same figures.
    from supervision import selectors

    summaries, _weeks = selectors.dashboard_figures(
        selectors.enrollments_for_supervisor(supervisor=supervisor, agency=agency), agency=agency
    )
    with connection.cursor() as cursor:
        cursor.execute(RAW_AGGREGATE, params)
        raw_rows = cursor.fetchall()
    raw_totals = [sum(row[i] for row in raw_rows) for i in range(2, 7)]
    ours = [
        sum(s.total for s in summaries),
        *(sum(s.counts[k] for s in summaries) for k in ("completed", "overdue", "in_progress")),
        sum(s.counts["not_started"] for s in summaries),
    ]
    assert raw_totals == ours, (raw_totals, ours)

    # Interleave the dashboard and the raw aggregate so drift hits both alike.
    dash_times, cold_times, raw_times = [], [], []
    dashboard()
    raw()
    for _ in range(args.rounds):
        dash_times.extend(harness.timed(dashboard, 1)[-1:])
        cold_times.extend(harness.timed(dashboard_cold, 1)[-1:])
        raw_times.extend(harness.timed(raw, 1)[-1:])
    table_times = harness.timed(table, args.rounds)
    deep_times = harness.timed(table_deep, args.rounds)
    with CaptureQueriesContext(connection) as queries:
        table_deep()
    table_queries = len(queries)
    with CaptureQueriesContext(connection) as queries:
        dashboard()
    warm_queries = len(queries)
    with CaptureQueriesContext(connection) as queries:
        dashboard_cold()
    dashboard_queries = len(queries)

    # CSV export of every row, streamed. First pass: speed, with the process's resident memory
    # sampled as the stream is consumed. Second pass: Python's own allocations (tracemalloc slows
    # allocation down, so it is kept out of the timed pass).
    response = client.get("/agency/export.csv")
    rss_before = harness.rss_mib()
    rss_peak = rss_before
    rows = -1  # the header
    size = 0
    start = time.perf_counter()
    for chunk in response.streaming_content:  # type: ignore[attr-defined]  # a streamed CSV
        rows += chunk.count(b"\n")
        size += len(chunk)
        rss_peak = max(rss_peak, harness.rss_mib())
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    streamed = client.get("/agency/export.csv")
    for _chunk in streamed.streaming_content:  # type: ignore[attr-defined]  # a streamed CSV
        pass
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    ms = harness.median_ms
    ratio = harness.ratio_of_pairs(dash_times, raw_times)
    cold_ratio = harness.ratio_of_pairs(cold_times, raw_times)
    print(
        f"database: {connection.vendor}; learners: {args.learners:,}; "
        f"enrollments: {enrollments:,}; progress rows: {progress:,}; seed_scale: {seeded:.1f} s"
    )
    print(
        f"dashboard page          : median {ms(dash_times):8.2f} ms ({warm_queries} queries; "
        "figures kept for the minute)"
    )
    print(
        f"dashboard, fresh figures: median {ms(cold_times):8.2f} ms ({dashboard_queries} queries)"
    )
    print(f"raw SQL aggregate       : median {ms(raw_times):8.2f} ms")
    print(f"dashboard / raw SQL     : {ratio:.2f}x (median of pairs; target <= 2x)")
    print(f"fresh dashboard / raw   : {cold_ratio:.2f}x (median of pairs)")
    harness.report(
        "dashboard, fresh figures vs the raw SQL aggregate",
        f"{ms(cold_times):.2f} ms ({dashboard_queries} queries)",
        f"{ms(raw_times):.2f} ms",
        f"{cold_ratio:.2f}x",
        "<= 2x at 10k, <= 1.5x at 100k",
    )
    harness.report(
        "dashboard, figures kept for the minute vs the raw SQL aggregate",
        f"{ms(dash_times):.2f} ms ({warm_queries} queries)",
        f"{ms(raw_times):.2f} ms",
        f"{ratio:.2f}x",
        "",
    )
    print(f"learners table (page 1) : median {ms(table_times):8.2f} ms")
    print(f"learners table (page 20): median {ms(deep_times):8.2f} ms ({table_queries} queries)")
    harness.report(
        "supervisor learners table, pages 1 and 20",
        f"{ms(table_times):.2f} ms, {ms(deep_times):.2f} ms",
        "",
        "",
        "",
    )
    print(
        f"CSV export              : {rows:,} rows, {size / 2**20:.1f} MiB in {elapsed:.2f} s = "
        f"{rows / elapsed:,.0f} rows/s (target > 20,000)"
    )
    harness.report(
        "supervisor CSV export (streamed)",
        f"{rows / elapsed:,.0f} rows/s, +{rss_peak - rss_before:.1f} MiB RSS",
        "",
        "",
        "> 20,000 rows/s, flat memory",
    )
    print(
        f"CSV memory              : RSS {rss_before:.1f} -> peak {rss_peak:.1f} MiB "
        f"(+{rss_peak - rss_before:.1f} MiB); Python allocations peak "
        f"{traced_peak / 2**20:.2f} MiB while streaming"
    )


if __name__ == "__main__":
    main()
