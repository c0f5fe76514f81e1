r"""Proof of training at scale: the compliance page and the agency hours CSV.

Builds (or reuses) the “Scale Test Agency” with ``seed_scale`` (each completed learner holds a
certificate of 2 hours of POST CPT) on the database DATABASE_URL names, gives it a rule (2 hours
of POST CPT per two-year cycle ending 31 December of even years), then reports:
- the compliance page (full Django stack through the test client): median time and query count
  at two sizes, ``--small`` learners then ``--learners``; the query count must be equal,
- the dashboard with fresh figures (its tile counts who meets the rule), at the large size,
- ``/agency/hours.csv`` and ``/agency/roster.csv`` over the whole cycle, streamed: rows per
  second, the process's resident memory growth while streaming, and Python's allocation peak
  (tracemalloc, a second pass): flat memory, whatever the number of rows.

    createdb -h 127.0.0.1 -U postgres lms_hours_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_hours_bench \
        .venv/bin/python bench/compliance.py --learners 100000
"""

import argparse
import sys
import time
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file, from anywhere
from bench import harness

harness.django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()

    from accounts.models import Agency, User
    from certificates.models import Certificate
    from certificates.rules import training_rule_set
    from supervision.selectors import dashboard_forget

    harness.prepare_database()
    pages = {}
    for size in (args.small, args.learners):
        start = time.perf_counter()
        call_command("seed_scale", learners=size, stdout=harness.quiet())
        seeded = time.perf_counter() - start
        harness.analyze()
        agency = Agency.objects.get(slug="scale-test-agency")
        supervisor = User.objects.get(email="scale-supervisor@example.com")
        training_rule_set(
            by=supervisor,
            agency=agency,
            credit_type="POST CPT",
            hours_required=Decimal(2),
            cycle_months=24,
            cycle_ends_on=date(2026, 12, 31),
        )
        certificates = Certificate.objects.filter(user__memberships__agency=agency).count()
        client = Client()
        client.force_login(supervisor)

        def page(query: str = "", client: Client = client) -> None:
            response = client.get(f"/agency/compliance/{query}")
            assert response.status_code == 200, response.status_code

        def dashboard_cold(client: Client = client, agency: Agency = agency) -> None:
            dashboard_forget(agency)
            assert client.get("/agency/").status_code == 200

        times = {
            "by hours": harness.timed(lambda: page("?sort=-hours"), args.rounds),
            "short, by name": harness.timed(lambda: page("?standing=short&sort=name"), args.rounds),
            "search": harness.timed(lambda: page("?q=learner+42"), args.rounds),
        }
        with CaptureQueriesContext(connection) as queries:
            page("?sort=-hours")
        cold = harness.timed(dashboard_cold, max(3, args.rounds // 2))
        with CaptureQueriesContext(connection) as cold_queries:
            dashboard_cold()
        pages[size] = (times, len(queries), cold, len(cold_queries), certificates, seeded)

    print(f"database: {connection.vendor}")
    for size, (times, count, cold, cold_count, certificates, seeded) in pages.items():
        print(f"{size:,} learners ({certificates:,} certificates; seed_scale {seeded:.1f} s):")
        for label, values in times.items():
            print(f"  compliance page, {label:<15}: median {harness.median_ms(values):8.1f} ms")
        print(f"  compliance page queries        : {count}")
        print(
            f"  dashboard, fresh figures       : median {harness.median_ms(cold):8.1f} ms "
            f"({cold_count} queries)"
        )
    counts = {size: value[1] for size, value in pages.items()}
    assert len(set(counts.values())) == 1, f"query count grows with learners: {counts}"
    print(f"query count equal at both sizes : {counts}")

    # The files, over the current cycle, at the large size.
    for path in ("/agency/hours.csv", "/agency/roster.csv"):
        url = f"{path}?from=2025-01-01&to=2026-12-31"
        response = client.get(url)
        rss_before = harness.rss_mib()
        rss_peak = rss_before
        rows = -1  # the header
        size_bytes = 0
        start = time.perf_counter()
        for chunk in response.streaming_content:  # type: ignore[attr-defined]  # a streamed CSV
            rows += chunk.count(b"\n")
            size_bytes += len(chunk)
            rss_peak = max(rss_peak, harness.rss_mib())
        elapsed = time.perf_counter() - start
        tracemalloc.start()
        for _chunk in client.get(url).streaming_content:  # type: ignore[attr-defined]
            pass
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{path:<18}: {rows:,} rows, {size_bytes / 2**20:.1f} MiB in {elapsed:.2f} s = "
            f"{rows / elapsed:,.0f} rows/s; RSS {rss_before:.1f} -> peak {rss_peak:.1f} MiB "
            f"(+{rss_peak - rss_before:.1f} MiB); Python allocations peak "
            f"{traced_peak / 2**20:.2f} MiB while streaming"
        )


if __name__ == "__main__":
    main()
