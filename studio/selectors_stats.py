"""Nameless statistics of one component, for its authors.

What the figures guarantee:
- No learner is named: the queries read counts, scores, times and answers, never a user, email or
  agency (nothing here joins the user or membership tables).
- Small numbers are suppressed. A figure that rests on fewer than ``SUPPRESS_BELOW`` learners (or
  answers) is not given: the whole component when fewer have started it; within a component, the
  median time when fewer have completed it, the quiz figures when fewer have submitted the quiz,
  the survey figures when fewer have responded, a question's figures when fewer have answered it.
  The split by enrollment cycle is shown only when every cycle clears the threshold, so no hidden
  cycle can be worked out as the total minus the others.
- A fixed number of queries, whatever the number of learners: every figure is an aggregate in the
  database (the median too: ``percentile_cont`` on PostgreSQL, the middle row or two by OFFSET
  elsewhere); free-text answers are capped per question by a window function.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    F,
    Prefetch,
    Q,
    QuerySet,
    Window,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import RowNumber

from courses.models import (
    Choice,
    Component,
    Progress,
    Question,
    QuizAttempt,
    SurveyAnswer,
    SurveyResponse,
)

# Fewer learners (or answers) than this behind a figure: “fewer than 5” instead of the figure.
SUPPRESS_BELOW = 5
# Free-text answers shown per question on the statistics page; the rest are a page away.
FREE_TEXT_SHOWN = 10
FREE_TEXT_PER_PAGE = 50
BAND_WIDTH = 10
BANDS = 10  # 0–9, 10–19, …, 80–89, 90–100
LIKERT = (1, 2, 3, 4, 5)


def percent(part: int, whole: int) -> int:
    """A share in whole percent, rounded half up (so 2 of 3 is 67%)."""
    return (200 * part + whole) // (2 * whole) if whole else 0


def suppressed(n: int) -> bool:
    return n < SUPPRESS_BELOW


# --- Completion -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CycleFigures:
    cycle: int
    started: int
    completed: int

    @property
    def rate(self) -> int:
        return percent(self.completed, self.started)


@dataclass(frozen=True)
class ProgressFigures:
    started: int  # distinct enrollments with a progress row
    completed: int
    median: timedelta | None  # None: no completion, or too few to give
    cycles: list[CycleFigures]  # empty unless the split is shown

    @property
    def suppressed(self) -> bool:
        return suppressed(self.started)

    @property
    def rate(self) -> int:
        return percent(self.completed, self.started)

    @property
    def median_suppressed(self) -> bool:
        return 0 < self.completed < SUPPRESS_BELOW


class Median(Aggregate):
    """PostgreSQL's continuous median: the middle value, or the mean of the middle two."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def _time_to_complete() -> CombinedExpression:
    # DateTime minus DateTime: an interval on PostgreSQL, microseconds on SQLite; a timedelta here.
    return F("completed_at") - F("started_at")


def _median_duration(completions: QuerySet[Progress], count: int) -> timedelta | None:
    """The median time from opening to completing, over ``count`` completed rows, in the
    database: never more than two rows reach Python."""
    if count == 0:
        return None
    if connection.vendor == "postgresql":
        return completions.aggregate(
            median=Median(_time_to_complete(), output_field=DurationField())
        )["median"]
    # The middle row (odd count) or the middle two (even count), by OFFSET in the sorted rows.
    low, high = (count - 1) // 2, count // 2
    middle = list(
        completions.annotate(took=_time_to_complete())
        .order_by("took", "pk")
        .values_list("took", flat=True)[low : high + 1]
    )
    if not middle:  # rows went away between the two queries
        return None
    return sum(middle, timedelta()) / len(middle)


def progress_figures(*, component: Component) -> ProgressFigures:
    """Learners who started and who completed the component (distinct enrollments, split by
    cycle in the same query) and the median time to complete. Two queries at most."""
    rows = list(
        Progress.objects.filter(component=component)
        .values("enrollment__cycle")
        # One progress row per enrollment and component (a unique constraint): counting rows
        # counts distinct enrollments, without the cost of DISTINCT.
        .annotate(
            started=Count("pk"),
            completed=Count("pk", filter=Q(state=Progress.State.COMPLETED)),
        )
        .order_by("enrollment__cycle")
    )
    cycles = [CycleFigures(r["enrollment__cycle"], r["started"], r["completed"]) for r in rows]
    started = sum(c.started for c in cycles)
    completed = sum(c.completed for c in cycles)
    median = None
    if not suppressed(started) and not suppressed(completed):
        completions = Progress.objects.filter(component=component, state=Progress.State.COMPLETED)
        median = _median_duration(completions, completed)
    show_cycles = len(cycles) > 1 and all(not suppressed(c.started) for c in cycles)
    return ProgressFigures(
        started=started,
        completed=completed,
        median=median,
        cycles=cycles if show_cycles else [],
    )


# --- Quiz -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    attempts: int

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}"


@dataclass(frozen=True)
class QuestionShare:
    question: Question
    answers: int
    correct: int
    learners: int  # enrollments that answered it
    hardest: bool = False

    @property
    def suppressed(self) -> bool:
        return suppressed(self.learners)

    @property
    def share(self) -> int:
        return percent(self.correct, self.answers)


@dataclass(frozen=True)
class QuizFigures:
    attempts: int  # submitted attempts
    learners: int  # enrollments with a submitted attempt
    passed: int  # of those, enrollments with a passing attempt
    bands: list[Band]
    questions: list[QuestionShare]

    @property
    def suppressed(self) -> bool:
        return suppressed(self.learners)

    @property
    def pass_rate(self) -> int:
        return percent(self.passed, self.learners)

    @property
    def attempts_per_learner(self) -> float:
        return self.attempts / self.learners if self.learners else 0.0

    @property
    def peak_band(self) -> int:
        return max((b.attempts for b in self.bands), default=0)


def _band_bounds(i: int) -> tuple[int, int]:
    low = i * BAND_WIDTH
    return low, (100 if i == BANDS - 1 else low + BAND_WIDTH - 1)


def quiz_figures(*, component: Component) -> QuizFigures:
    """Submitted attempts, learners, pass rate and the score bands in one aggregate; each
    question's share of correct answers (over every submitted answer, retries included) and
    how many learners answered it, in another (not asked when too few learners took the quiz
    for its figures to be shown). Two queries."""
    bands = {}
    for i in range(BANDS):
        low, high = _band_bounds(i)
        bands[f"band_{i}"] = Count("pk", filter=Q(score__gte=low, score__lte=high))
    totals = QuizAttempt.objects.filter(component=component, submitted_at__isnull=False).aggregate(
        attempts=Count("pk"),
        learners=Count("enrollment_id", distinct=True),
        passed=Count("enrollment_id", distinct=True, filter=Q(passed=True)),
        **bands,
    )
    figures = QuizFigures(
        attempts=totals["attempts"],
        learners=totals["learners"],
        passed=totals["passed"],
        bands=[Band(*_band_bounds(i), totals[f"band_{i}"]) for i in range(BANDS)],
        questions=[],
    )
    if figures.suppressed:
        return figures
    questions = list(
        Question.objects.filter(component=component)
        .annotate(
            answers=Count("quiz_answers"),
            correct=Count("quiz_answers", filter=Q(quiz_answers__correct=True)),
            learners=Count("quiz_answers__attempt__enrollment_id", distinct=True),
        )
        .order_by("position")
    )
    shares = [QuestionShare(q, q.answers, q.correct, q.learners) for q in questions]
    # The question that trips people up most, when the shown questions differ at all.
    shown = [s.share for s in shares if not s.suppressed and s.answers]
    if len(shown) > 1 and min(shown) < max(shown):
        shares = [
            replace(s, hardest=True) if not s.suppressed and s.share == min(shown) else s
            for s in shares
        ]
    return replace(figures, questions=shares)


# --- Survey ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceCount:
    choice: Choice
    count: int
    share: int  # of the question's answers (multiple choice: may add up to more than 100)


@dataclass(frozen=True)
class ScalePoint:
    value: int
    label: str
    count: int
    share: int


@dataclass
class SurveyQuestionFigures:
    question: Question
    answers: int
    choices: list[ChoiceCount] = field(default_factory=list)
    scale: list[ScalePoint] = field(default_factory=list)
    mean: float | None = None
    texts: list[str] = field(default_factory=list)  # newest first, at most FREE_TEXT_SHOWN

    @property
    def suppressed(self) -> bool:
        # Free text is words, not a figure: shown whenever the survey's figures are.
        return self.question.kind != Question.Kind.TEXT and suppressed(self.answers)

    @property
    def more_texts(self) -> bool:
        return self.answers > len(self.texts)


@dataclass(frozen=True)
class SurveyFigures:
    responses: int
    questions: list[SurveyQuestionFigures]

    @property
    def suppressed(self) -> bool:
        return suppressed(self.responses)


def _text_answers(component: Component) -> QuerySet[SurveyAnswer]:
    """Non-empty free-text answers, newest day first. Only the day: within a day, by the words,
    so the order says nothing about who answered when (anonymous responses keep only the day)."""
    return (
        SurveyAnswer.objects.filter(
            response__component=component, question__kind=Question.Kind.TEXT
        )
        .exclude(text="")
        .order_by("-response__submitted_on", "text", "pk")
    )


def survey_figures(*, component: Component) -> SurveyFigures:
    """Responses; per question its answers, choice counts, the agreement scale and its mean, and
    the newest free-text answers. Five queries, none if there are too few responses to show."""
    responses = SurveyResponse.objects.filter(component=component).count()
    if suppressed(responses):
        return SurveyFigures(responses=responses, questions=[])
    scale_counts = {
        f"scale_{k}": Count("survey_answers", filter=Q(survey_answers__scale=k)) for k in LIKERT
    }
    questions = list(
        Question.objects.filter(component=component)
        .annotate(
            answers=Count("survey_answers"),
            mean=Avg("survey_answers__scale"),
            **scale_counts,
        )
        .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("position")))
        .order_by("position")
    )
    picks = dict(
        SurveyAnswer.choices.through.objects.filter(surveyanswer__response__component=component)
        .values("choice_id")
        .annotate(n=Count("pk"))  # type: ignore[misc]  # the stubs miss annotations of a through model
        .order_by()
        .values_list("choice_id", "n")
    )
    texts: dict[int, list[str]] = defaultdict(list)
    newest = (
        _text_answers(component)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("question_id")],
                order_by=[F("response__submitted_on").desc(), F("text").asc(), F("pk").asc()],
            )
        )
        .filter(rank__lte=FREE_TEXT_SHOWN)
        .values_list("question_id", "rank", "text")
    )
    for question_id, _rank, text in sorted(newest):
        texts[question_id].append(text)

    figures = []
    for q in questions:
        item = SurveyQuestionFigures(question=q, answers=q.answers)
        if q.has_choices:
            item.choices = [
                ChoiceCount(c, picks.get(c.pk, 0), percent(picks.get(c.pk, 0), q.answers))
                for c in q.choices.all()
            ]
        elif q.kind == Question.Kind.LIKERT:
            counts = [getattr(q, f"scale_{k}") for k in LIKERT]
            item.scale = [
                ScalePoint(k, str(Question.LIKERT_LABELS[k]), n, percent(n, q.answers))
                for k, n in zip(LIKERT, counts, strict=True)
            ]
            item.mean = float(q.mean) if q.mean is not None else None
        else:
            item.texts = texts.get(q.pk, [])
        figures.append(item)
    return SurveyFigures(responses=responses, questions=figures)


def survey_text_page(
    *, component: Component, question: Question, page: int | str | None
) -> tuple[int, Page | None]:
    """All of one free-text question's answers, paginated, newest day first, without who or
    when. (responses, page); no page when there are too few responses to show anything."""
    responses = SurveyResponse.objects.filter(component=component).count()
    if suppressed(responses):
        return responses, None
    answers = _text_answers(component).filter(question=question).values_list("text", flat=True)
    return responses, Paginator(answers, FREE_TEXT_PER_PAGE).get_page(page)


# --- The page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentStats:
    component: Component
    progress: ProgressFigures
    quiz: QuizFigures | None = None
    survey: SurveyFigures | None = None

    @property
    def suppressed(self) -> bool:
        return self.progress.suppressed


def component_stats(*, component: Component) -> ComponentStats:
    """Every figure of the component's statistics page, nameless and with small numbers
    suppressed (see the module's docstring). At most seven queries, whatever the learners."""
    progress = progress_figures(component=component)
    if progress.suppressed:
        return ComponentStats(component=component, progress=progress)
    quiz = survey = None
    if component.kind == Component.Kind.QUIZ:
        quiz = quiz_figures(component=component)
    elif component.kind == Component.Kind.SURVEY:
        survey = survey_figures(component=component)
    return ComponentStats(component=component, progress=progress, quiz=quiz, survey=survey)
