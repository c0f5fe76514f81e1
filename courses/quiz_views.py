"""What the quiz and survey pages show, and the parsing of their forms (no rules here: the
rules are in ``courses.quizzes``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import QueryDict

from courses.models import Choice, Component, Enrollment, Question, QuizAnswer
from courses.quizzes import quiz_state
from lms.ids import parse_id


def int_or_zero(value: object) -> int:
    """The id a field holds, or 0 (which names nothing) for anything else."""
    return parse_id(value) or 0


def answers_from(post: QueryDict) -> dict[int, list[str]]:
    """``q<question id>`` fields, each with one or more choice ids. Other fields, and names
    that only look like one (``q²``, ``q`` and a thousand digits), are not answers."""
    answers = {}
    for key in post:
        question_id = parse_id(key[1:]) if key.startswith("q") else None
        if question_id is not None:
            answers[question_id] = post.getlist(key)
    return answers


def survey_answers_from(post: QueryDict, *, component: Component) -> dict[int, object]:
    answers: dict[int, object] = {}
    for question in component.questions.all():
        key = f"q{question.pk}"
        if question.has_choices:
            answers[question.pk] = post.getlist(key)
        else:
            answers[question.pk] = post.get(key, "")
    return answers


@dataclass
class ShownQuestion:
    question: Question
    choices: list[Choice]
    picked: set[int] = field(default_factory=set)
    correct: bool | None = None  # after submission
    error: str = ""


def _layout(layout: list, questions: dict[int, Question]) -> list[ShownQuestion]:
    shown = []
    for question_id, choice_ids in layout:
        question = questions.get(question_id)
        if question is None:
            continue
        by_id = {c.pk: c for c in question.choices.all()}
        shown.append(ShownQuestion(question, [by_id[pk] for pk in choice_ids if pk in by_id]))
    return shown


def quiz_context(
    *,
    enrollment: Enrollment | None,
    component: Component,
    picked: dict[int, list[str]] | None = None,
    errors: dict[int, str] | None = None,
) -> dict:
    """The learner's attempts, the open attempt's questions in the order they were shown, and
    the last submitted attempt's answers marked right or wrong (the right answer is not given
    away: the explanation is)."""
    if enrollment is None:
        return {}
    state = quiz_state(enrollment=enrollment, component=component)
    questions = {
        q.pk: q for q in component.questions.prefetch_related("choices").order_by("position")
    }
    context: dict = {"quiz": state, "question_count": len(questions)}
    if state.open_attempt is not None:
        shown = _layout(state.open_attempt.layout, questions)
        for item in shown:  # a refused submission comes back as the learner filled it in
            item.picked = {int_or_zero(v) for v in (picked or {}).get(item.question.pk, [])}
            item.error = (errors or {}).get(item.question.pk, "")
        context["open_questions"] = shown
    submitted = [a for a in state.attempts if a.submitted_at is not None]
    if submitted:
        last = submitted[-1]
        shown = _layout(last.layout, questions)
        answers = {
            a.question_id: a
            for a in QuizAnswer.objects.filter(attempt=last).prefetch_related("choices")
        }
        for item in shown:
            answer = answers.get(item.question.pk)
            if answer is not None:
                item.picked = {c.pk for c in answer.choices.all()}
                item.correct = answer.correct
        context["last_attempt"] = last
        context["last_questions"] = shown
    return context


@dataclass
class SurveyItem:
    question: Question
    choices: list[Choice]
    picked: set[int]
    value: str
    error: str


def survey_context(
    *,
    component: Component,
    given: dict[int, object] | None = None,
    errors: dict[int, str] | None = None,
) -> dict:
    """The survey's questions, with what the learner gave when a submission was refused."""
    given = given or {}
    items = []
    for question in component.questions.prefetch_related("choices").order_by("position"):
        raw = given.get(question.pk)
        values = raw if isinstance(raw, list) else []
        items.append(
            SurveyItem(
                question=question,
                choices=list(question.choices.all()),
                picked={int_or_zero(v) for v in values},
                value="" if isinstance(raw, list) or raw is None else str(raw),
                error=(errors or {}).get(question.pk, ""),
            )
        )
    return {
        "survey_items": items,
        "likert": [(str(k), v) for k, v in Question.LIKERT_LABELS.items()],
    }
