r"""Recording progress against a trivial signed-in view, same process, same data, one run.

Target (README, Benchmarks): a video heartbeat POST within 1.5x of a trivial signed-in Django view.
Both go through the full middleware stack (sessions, auth, CSRF, messages) via Django's test
client, on whatever DATABASE_URL names (use PostgreSQL for figures worth quoting):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench \\
        .venv/bin/python bench/progress_write.py
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file, from anywhere
from bench import harness

harness.django_setup()

from django.contrib.auth.decorators import login_required  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402


@login_required
@require_POST
def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial), path("", include("lms.urls"))]

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2000"))


def main() -> None:
    with harness.test_database():
        call_command("seed_demo", verbosity=0, stdout=harness.quiet())
        run()


def run() -> None:
    from bench import data

    user, video = data.heartbeat_learner(now=timezone.now())
    series = video.module.series

    client = Client()
    client.force_login(user)
    url = f"/series/{series.slug}/{video.module.slug}/{video.slug}/progress/"

    second = [0]

    def heartbeat():
        start = second[0]
        second[0] += 5
        return client.post(
            url,
            data=f'{{"watched": [[{start}, {start + 5}]], "position": {start + 5}}}',
            content_type="application/json",
        )

    def plain():
        return client.post("/bench/trivial/")

    assert heartbeat().status_code == 200, heartbeat().content
    assert plain().status_code == 200

    with CaptureQueriesContext(connection) as queries:
        heartbeat()
    write_queries = len(queries)
    if os.environ.get("BENCH_SHOW_QUERIES"):
        for query in queries:
            print("   ", query["sql"][:160])
    with CaptureQueriesContext(connection) as queries:
        plain()
    plain_queries = len(queries)

    for _ in range(100):  # warm up both paths
        heartbeat()
        plain()
    write_times, plain_times = [], []
    for _ in range(ROUNDS):  # interleaved, so drift hits both sides alike
        write_times.append(harness.time_once(heartbeat))
        plain_times.append(harness.time_once(plain))

    ms = harness.median_ms
    vendor = connection.vendor
    print(f"database: {vendor}; rounds: {ROUNDS} each, interleaved")
    print(f"trivial signed-in POST : median {ms(plain_times):.3f} ms, {plain_queries} queries")
    print(f"video heartbeat POST   : median {ms(write_times):.3f} ms, {write_queries} queries")
    ratio = harness.ratio_of_pairs(write_times, plain_times)
    print(f"ratio heartbeat/trivial: median of pairs {ratio:.2f}x (target <= 1.5x)")
    print(f"ratio of medians       : {ms(write_times) / ms(plain_times):.2f}x")
    harness.report(
        "progress heartbeat POST vs a trivial signed-in POST",
        f"{ms(write_times):.2f} ms ({write_queries} queries)",
        f"{ms(plain_times):.2f} ms ({plain_queries} queries)",
        f"{ratio:.2f}x",
        "<= 1.5x",
    )


if __name__ == "__main__":
    with override_settings(ROOT_URLCONF=__name__):
        main()
