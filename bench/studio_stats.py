r"""The author's statistics pages at scale: a reading, a quiz and a survey taken by N learners.

Writes (or reuses) N bench learners, enrolled in a bench series with a reading, a ten-question
quiz and an anonymous survey, with their progress, attempts, answers and responses, in bulk, on
the database DATABASE_URL names (PostgreSQL for figures worth quoting); deterministic: the same
arguments give the same rows. Then reports, through the full Django stack (test client, DEBUG
off), the median time and query count of the statistics pages, and the time of each selector.

Quiz answers are written without the choices picked (the statistics read only ``correct``).

    createdb -h 127.0.0.1 -U postgres lms_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lms_bench \
        .venv/bin/python bench/studio_stats.py --learners 10000
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.base")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# Measure the product as deployed: DEBUG off (cached templates, no query log).
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("LMS_REQUIRE_MFA", "false")

import django

django.setup()

from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import AUTHORS_GROUP, User  # noqa: E402
from courses.models import (  # noqa: E402
    Choice,
    Component,
    Enrollment,
    Module,
    Progress,
    Question,
    QuizAnswer,
    QuizAttempt,
    Series,
    SurveyAnswer,
    SurveyResponse,
)
from studio import selectors_stats  # noqa: E402

SERIES_SLUG = "bench-studio-stats"
AUTHOR_EMAIL = "bench-author@example.com"
LEARNER_PREFIX = "bench-stats-learner-"
QUESTIONS = 10
PASS_MARK = 70
BATCH = 5_000
COMMENTS = (
    "The case examples were the most useful part.",
    "More on first contact with survivors, please.",
    "Shorter videos would fit a shift better.",
    "The language section changed how I write reports.",
)


def _bench_learners():
    return User.objects.filter(email__startswith=LEARNER_PREFIX)


def _clear() -> None:
    """Remove the bench series and learners, leaf rows first (each a plain DELETE)."""
    rows = {"component__module__series__slug": SERIES_SLUG}
    SurveyAnswer.choices.through.objects.filter(
        surveyanswer__response__component__module__series__slug=SERIES_SLUG
    ).delete()
    SurveyAnswer.objects.filter(response__component__module__series__slug=SERIES_SLUG).delete()
    SurveyResponse.objects.filter(**rows).delete()
    QuizAnswer.objects.filter(attempt__component__module__series__slug=SERIES_SLUG).delete()
    QuizAttempt.objects.filter(**rows).delete()
    Progress.objects.filter(**rows).delete()
    Enrollment.objects.filter(series__slug=SERIES_SLUG).delete()
    Series.objects.filter(slug=SERIES_SLUG).delete()
    _bench_learners().delete()


def _bench_series(learners: int) -> tuple[dict[str, Component], bool]:
    """The bench series' components by kind, with ``learners`` learners' rows; rebuilt when the
    count differs. Returns (components, built afresh)."""
    series = Series.objects.filter(slug=SERIES_SLUG).first()
    if (
        series is not None
        and Enrollment.objects.filter(series=series).count() == learners
        and _bench_learners().count() == learners
    ):
        return {c.kind: c for c in Component.objects.filter(module__series=series)}, False
    with transaction.atomic():
        _clear()
        components = _build(learners)
    return components, True


def _build(learners: int) -> dict[str, Component]:
    series = Series.objects.create(
        slug=SERIES_SLUG, title="Bench: statistics", status=Series.Status.PUBLISHED
    )
    module = Module.objects.create(series=series, slug="bench", title="Bench", position=1)
    reading = Component.objects.create(
        module=module, slug="reading", title="Reading", kind="document", position=1, body="Read."
    )
    quiz = Component.objects.create(
        module=module, slug="quiz", title="Quiz", kind="quiz", position=2, pass_mark=PASS_MARK
    )
    for i in range(1, QUESTIONS + 1):
        question = Question.objects.create(
            component=quiz, slug=f"q{i}", position=i, kind="single", text=f"Question {i}?"
        )
        Choice.objects.create(question=question, position=1, text="Right", is_correct=True)
        Choice.objects.create(question=question, position=2, text="Wrong")
    survey = Component.objects.create(
        module=module, slug="survey", title="Survey", kind="survey", position=3, anonymous=True
    )
    useful = Question.objects.create(
        component=survey, slug="useful", position=1, kind="likert", text="Useful?"
    )
    role = Question.objects.create(
        component=survey, slug="role", position=2, kind="single", text="Role?"
    )
    roles = [
        Choice.objects.create(question=role, position=j, text=text)
        for j, text in enumerate(("Patrol", "Investigations", "Victim services"), start=1)
    ]
    comments = Question.objects.create(
        component=survey, slug="comments", position=3, kind="text", text="More?", required=False
    )
    questions = list(quiz.questions.order_by("position"))
    difficulty = [0.95 - 0.06 * i for i in range(len(questions))]  # q10 trips people up

    rng = random.Random(f"bench-studio-stats:{learners}")
    now = timezone.now()
    for start in range(0, learners, BATCH):
        users = User.objects.bulk_create(
            User(email=f"{LEARNER_PREFIX}{k:06d}@example.com", password="!")  # noqa: S106
            for k in range(start + 1, min(learners, start + BATCH) + 1)
        )
        enrollments = Enrollment.objects.bulk_create(
            Enrollment(user=u, series=series, started_at=now) for u in users
        )
        progress, attempts, plans, responses, answers_of = [], [], [], [], []
        for enrollment in enrollments:
            opened = now - timedelta(days=rng.randint(1, 180), seconds=rng.randint(0, 86_399))
            read = rng.random() < 0.8
            progress.append(
                Progress(
                    enrollment=enrollment, component=reading, started_at=opened,
                    state="completed" if read else "in_progress",
                    completed_at=opened + timedelta(minutes=rng.randint(3, 60)) if read else None,
                    percent=100 if read else 0,
                )
            )  # fmt: skip
            passed_at = None
            for number in range(1, 4):
                right = [rng.random() < p for p in difficulty]
                score = 100 * sum(right) // len(right)
                submitted = opened + timedelta(minutes=number * rng.randint(4, 40))
                attempts.append(
                    QuizAttempt(
                        enrollment=enrollment, component=quiz, number=number,
                        started_at=submitted - timedelta(minutes=5), submitted_at=submitted,
                        score=score, passed=score >= PASS_MARK,
                    )
                )  # fmt: skip
                plans.append(right)
                if score >= PASS_MARK:
                    passed_at = submitted
                    break
            progress.append(
                Progress(
                    enrollment=enrollment, component=quiz, started_at=opened,
                    state="completed" if passed_at else "in_progress",
                    completed_at=passed_at, percent=100 if passed_at else 50,
                )
            )  # fmt: skip
            if rng.random() < 0.7:  # seven in ten answer the survey
                answered = opened + timedelta(hours=rng.randint(1, 48))
                progress.append(
                    Progress(
                        enrollment=enrollment, component=survey, started_at=answered,
                        state="completed", completed_at=answered, percent=100,
                    )
                )  # fmt: skip
                responses.append(SurveyResponse(component=survey, submitted_on=answered.date()))
                text = rng.choice(COMMENTS) if rng.random() < 0.2 else ""
                answers_of.append((rng.randint(1, 5), rng.choice(roles), text))
        Progress.objects.bulk_create(progress, batch_size=BATCH)
        QuizAttempt.objects.bulk_create(attempts, batch_size=BATCH)
        QuizAnswer.objects.bulk_create(
            (
                QuizAnswer(attempt=attempt, question=question, correct=ok)
                for attempt, right in zip(attempts, plans, strict=True)
                for question, ok in zip(questions, right, strict=True)
            ),
            batch_size=BATCH,
        )
        SurveyResponse.objects.bulk_create(responses, batch_size=BATCH)
        survey_answers, picked = [], []
        for response, (value, choice, text) in zip(responses, answers_of, strict=True):
            survey_answers.append(SurveyAnswer(response=response, question=useful, scale=value))
            picked.append((SurveyAnswer(response=response, question=role), choice))
            if text:
                survey_answers.append(SurveyAnswer(response=response, question=comments, text=text))
        SurveyAnswer.objects.bulk_create(survey_answers + [a for a, _ in picked], batch_size=BATCH)
        SurveyAnswer.choices.through.objects.bulk_create(
            (SurveyAnswer.choices.through(surveyanswer_id=a.pk, choice_id=c.pk) for a, c in picked),
            batch_size=BATCH,
        )
    return {"document": reading, "quiz": quiz, "survey": survey}


def timed(fn, rounds: int) -> list[float]:
    fn()  # warm-up
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    start = time.perf_counter()
    components, built = _bench_series(args.learners)
    seeded = time.perf_counter() - start
    reading, quiz, survey = components["document"], components["quiz"], components["survey"]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    author, _ = User.objects.get_or_create(email=AUTHOR_EMAIL, defaults={"full_name": "Bench"})
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
    selectors = {
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
        print(f"{name:<24}: median {ms(timed(fn, args.rounds))} ({count} queries)")
    for name, fn in selectors.items():
        print(f"{name:<24}: median {ms(timed(fn, args.rounds))}")


if __name__ == "__main__":
    main()
