r"""Recomputing every open enrollment after a content change: set-based, in batches.

Target (README, Benchmarks): 100,000 open enrollments recomputed in under 30 s. On the "Scale Test
Agency" that ``seed_scale`` builds (N learners, about 4 in 5 of them with an open enrollment),
an author adds a required component to the series through ``courses.content`` (the
recomputation runs after commit, in-process as the embedded default does), then removes it again;
each is timed as a whole, and the recomputation alone once more. Statements per batch are
counted, and the figures are checked against the completion rule for a sample of learners.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench \
        .venv/bin/python bench/recompute.py --learners 100000
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file, from anywhere
from bench import harness

harness.django_setup(REDIS_URL="")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    args = parser.parse_args()

    from bench import scale
    from courses import completion, content
    from courses.models import Component, Enrollment, Progress, Series

    harness.prepare_database()
    call_command("seed_scale", learners=args.learners, stdout=harness.quiet())
    harness.analyze()
    series = Series.objects.get(slug=scale.series_slug(8))
    open_rows = Enrollment.objects.filter(series=series, completed_at__isnull=True)
    count = open_rows.count()
    module = series.modules.live().order_by("position").last()
    assert module is not None
    print(f"{connection.vendor}, {args.learners:,} learners, {count:,} open enrollments")

    started = time.perf_counter()
    added = content.component_create(
        module=module, kind="document", title="Bench reading", body="Read.", required=True
    )
    add_seconds = time.perf_counter() - started

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        completion.enrollments_refresh(series_id=series.pk)
        again_seconds = time.perf_counter() - started
    batches = -(-count // 2000)

    # The rule, checked on a sample: percent = completed live required / live required.
    required = completion.requirements(series_id=series.pk).all
    for enrollment in open_rows.order_by("?")[:200]:
        done = set(
            Progress.objects.filter(
                enrollment=enrollment, state=Progress.State.COMPLETED, component_id__in=required
            ).values_list("component_id", flat=True)
        )
        assert enrollment.percent_complete == 100 * len(done) // len(required), enrollment.pk

    started = time.perf_counter()
    content.component_remove(component=Component.objects.get(pk=added.pk))
    remove_seconds = time.perf_counter() - started

    print(f"add a required component, recompute included: {add_seconds:8.2f} s")
    print(f"recompute alone (same data, again):          {again_seconds:8.2f} s")
    print(f"remove it again, recompute included:         {remove_seconds:8.2f} s")
    print(
        f"statements: {len(queries.captured_queries)} for {batches} batch(es) of 2,000 "
        f"({len(queries.captured_queries) / max(1, batches):.1f} per batch)"
    )
    print(f"open enrollments per second: {count / again_seconds:,.0f}")
    harness.report(
        "recompute open enrollments after a content change",
        f"{add_seconds:.2f} s for {count:,} enrollments, "
        f"{len(queries.captured_queries) / max(1, batches):.1f} statements per batch",
        "",
        "",
        "<= 30 s at 100k, set-based",
    )


if __name__ == "__main__":
    main()
