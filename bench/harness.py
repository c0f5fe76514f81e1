"""What every benchmark shares: Django set up as deployed, a database to measure on, timing.

A benchmark script starts with::

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file, from anywhere
    from bench import harness

    harness.django_setup()

then imports Django and the product.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]


def django_setup(settings_module: str = "lms.settings.base", **environ: str) -> None:
    """Set Django up for a benchmark: the product as deployed (DEBUG off: cached templates, no
    query log), the test client's host allowed, MFA not asked. ``environ`` is set as given; the
    rest only where the environment says nothing."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.update(environ)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
    if not os.environ.get("LMS_SIGNING_KEY"):
        from joserfc.jwk import OKPKey

        key = OKPKey.generate_key("Ed25519").as_dict(private=True)
        os.environ["LMS_SIGNING_KEY"] = json.dumps(key)  # a key of the run's own, in memory
    os.environ.setdefault("LMS_REQUIRE_MFA", "false")

    import django

    django.setup()


def prepare_database() -> None:
    """The database DATABASE_URL names, migrated, with the static files the pages link to:
    data a benchmark wrote there stays for the next run."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


@contextmanager
def test_database(*, serialize: bool = True) -> Iterator[None]:
    """A throwaway test database beside the one DATABASE_URL names, dropped at the end."""
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=serialize)
    try:
        yield
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def analyze() -> None:
    """Fresh planner statistics after a bulk load (ANALYZE: PostgreSQL and SQLite both have it)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def quiet() -> IO[str]:
    """An output for commands whose chatter would bury the figures."""
    return open(os.devnull, "w")


def time_once(fn: Callable[[], Any]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def timed(fn: Callable[[], Any], rounds: int) -> list[float]:
    """Seconds each of ``rounds`` calls takes, after one call to warm up."""
    fn()
    return [time_once(fn) for _ in range(rounds)]


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def ratio_of_pairs(ours: list[float], theirs: list[float]) -> float:
    """The median of the ratios of interleaved pairs: drift hits both sides of a pair alike."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


def rss_mib() -> float:
    """Current resident memory of this process, in MiB (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def report(path: str, ours: str, reference: str, ratio: str, target: str) -> None:
    """One row of ``make bench``'s table (bench/run.py), appended to the file it names in
    BENCH_RESULTS; a benchmark run on its own prints its own lines and this writes nothing."""
    results = os.environ.get("BENCH_RESULTS")
    if not results:
        return
    row = {"path": path, "ours": ours, "reference": reference, "ratio": ratio, "target": target}
    with open(results, "a") as out:
        out.write(json.dumps(row) + "\n")
