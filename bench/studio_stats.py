r"""The author's statistics pages at scale: a reading, a quiz and a survey taken by N learners.

Writes (or reuses) N bench learners in the bench statistics series (``bench.data.stats_series``)
on the database DATABASE_URL names (PostgreSQL for figures worth quoting). Then reports, through
the full Django stack (test client, DEBUG off), the median time and query count of the statistics
pages, and the time of each selector.

    createdb -h 127.0.0.1 -U postgres lms_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench \
        .venv/bin/python bench/studio_stats.py --learners 10000
"""

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a file, from anywhere
from bench import harness

harness.django_setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import AUTHORS_GROUP, User  # noqa: E402
from bench import data  # noqa: E402
from courses.models import Component, Progress, QuizAnswer, QuizAttempt, SurveyAnswer  # noqa: E402
from studio import selectors_stats  # noqa: E402


def ms(values: list[float]) -> str:
    return f"{harness.median_ms(values):8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    harness.prepare_database()
    start = time.perf_counter()
    components, built = data.stats_series(args.learners)
    seeded = time.perf_counter() - start
    reading, quiz, survey = components["document"], components["quiz"], components["survey"]
    harness.analyze()
    author, _ = User.objects.get_or_create(email=data.AUTHOR_EMAIL, defaults={"full_name": "Bench"})
    author.groups.add(Group.objects.get_or_create(name=AUTHORS_GROUP)[0])
    client = Client()
    client.force_login(author)

    def page(component: Component, query: str = "") -> None:
        response = client.get(f"/studio/components/{component.pk}/stats/{query}")
        assert response.status_code == 200, response.status_code
        assert b'data-suppressed="' not in response.content

    comments = survey.questions.get(slug="comments")
    pages = {
        "quiz page": lambda: page(quiz),
        "survey page": lambda: page(survey),
        "document page": lambda: page(reading),
        "free-text answers page": lambda: page(survey, f"?question={comments.pk}&page=3"),
    }
    selectors: dict[str, Callable[[], object]] = {
        "progress figures (quiz)": lambda: selectors_stats.progress_figures(component=quiz),
        "quiz figures": lambda: selectors_stats.quiz_figures(component=quiz),
        "survey figures": lambda: selectors_stats.survey_figures(component=survey),
    }
    figures = selectors_stats.component_stats(component=quiz)
    counts = {
        "progress rows": Progress.objects.filter(component__module=quiz.module).count(),
        "quiz attempts": QuizAttempt.objects.filter(component=quiz).count(),
        "quiz answers": QuizAnswer.objects.filter(attempt__component=quiz).count(),
        "survey answers": SurveyAnswer.objects.filter(response__component=survey).count(),
    }
    print(
        f"database: {connection.vendor}; learners: {args.learners:,}; "
        + "; ".join(f"{k}: {v:,}" for k, v in counts.items())
        + f"; data {'written' if built else 'reused'} in {seeded:.1f} s"
    )
    q = figures.quiz
    assert q is not None, "a quiz has quiz figures"
    print(
        f"quiz: {q.attempts:,} attempts by {q.learners:,} learners, pass rate {q.pass_rate}%, "
        f"{q.attempts_per_learner:.2f} attempts per learner, median time to pass "
        f"{figures.progress.median}; hardest question: "
        + ", ".join(s.question.slug for s in q.questions if s.hardest)
    )
    for name, fn in pages.items():
        with CaptureQueriesContext(connection) as queries:
            fn()
        count = len(queries)  # read now: the next request clears the query log
        print(f"{name:<24}: median {ms(harness.timed(fn, args.rounds))} ({count} queries)")
    for name, selector in selectors.items():
        print(f"{name:<24}: median {ms(harness.timed(selector, args.rounds))}")


if __name__ == "__main__":
    main()
