"""The data the benchmarks write for themselves, beside the scale agency of ``bench.scale``.

- ``stats_series``: a bench series with a reading, a ten-question quiz and an anonymous survey,
  taken by N bench learners (progress, attempts, answers, responses), in bulk; deterministic: the
  same arguments give the same rows. Quiz answers are written without the choices picked (the
  statistics read only ``correct``).
- ``reminder_assignment``: the scale agency's enrollments given an assignment, a tenth of the
  open ones each due today, tomorrow and in a week, so the planner has every kind to write.
- ``heartbeat_learner``: a learner half-way through a long video, for the progress benchmark.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models.functions import Mod
from django.utils import timezone

from accounts.models import Agency, User
from bench import scale
from courses import services
from courses.models import (
    Assignment,
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


def stats_series(learners: int) -> tuple[dict[str, Component], bool]:
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


def reminder_assignment(*, today: date) -> tuple[int, int, int]:
    """Assign the scale agency's 8-component series to everyone, due in 30 days, then bring a
    tenth of the open enrollments each to due today, tomorrow and in a week. Returns how many
    enrollments are assigned, open and overdue."""
    agency = Agency.objects.get(slug=scale.AGENCY_SLUG)
    series = Series.objects.get(slug=scale.series_slug(8))
    assignment = Assignment.objects.create(
        agency=agency,
        series=series,
        created_by=User.objects.get(email=scale.SUPERVISOR_EMAIL),
        everyone=True,
        due_on=today + timedelta(days=30),
    )
    enrollments = Enrollment.objects.filter(series=series, user__memberships__agency=agency)
    assigned = enrollments.update(assignment=assignment)
    open_ = Enrollment.objects.filter(
        series=series, assignment=assignment, completed_at__isnull=True, due_on__gte=today
    ).annotate(slot=Mod("id", 10))
    for slot, days in ((0, 0), (1, 1), (2, 7)):
        open_.filter(slot=slot).update(due_on=today + timedelta(days=days))
    open_count = enrollments.filter(completed_at__isnull=True).count()
    overdue = enrollments.filter(completed_at__isnull=True, due_on__lt=today).count()
    return assigned, open_count, overdue


def heartbeat_learner(*, now: datetime) -> tuple[User, Component]:
    """A bench learner enrolled in the demo series, a month into its first video (made long
    enough that heartbeats never run out of new seconds). Needs ``seed_demo`` first."""
    user = User.objects.create_user(email="bench@example.com", password=None, full_name="Bench")
    video = Component.objects.filter(kind="video").select_related("module__series").first()
    assert video is not None, "run seed_demo first"
    video.duration_seconds = 10**6
    video.save(update_fields=["duration_seconds"])
    services.enrollment_create(user=user, series=video.module.series)
    services.advisory_acknowledge(user=user, module=video.module)
    services.progress_start(user=user, component=video, now=now - timedelta(days=30))
    Enrollment.objects.filter(user=user).update(started_at=now)
    return user, video
