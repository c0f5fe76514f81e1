"""Writes for quizzes and surveys: attempts, scoring, responses, and the completion they earn.

Scoring rule: a question scores when the learner's choices are exactly its correct choices (no
partial credit for multiple choice). The score is the share of questions that score, in whole
percent rounded down, so nobody passes on rounding; the learner passes at or above the pass mark.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from courses.models import (
    Choice,
    Component,
    Enrollment,
    Progress,
    Question,
    QuizAnswer,
    QuizAttempt,
    SurveyAnswer,
    SurveyResponse,
)
from courses.services import ProgressRefused, progress_finish, progress_for_update


class AnswerRefused(Exception):
    """The answers cannot be taken as they are; ``errors`` maps question ids to messages."""

    def __init__(self, message: str, errors: Mapping[int, str] | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors or {})


@dataclass(frozen=True)
class QuizState:
    attempts: list[QuizAttempt]
    open_attempt: QuizAttempt | None
    passed: bool
    attempts_left: int | None  # None: unlimited

    @property
    def can_start(self) -> bool:
        return not self.passed and self.open_attempt is None and self.attempts_left != 0


# Learners' answers are records: a question answered, or a choice picked (answers link choices
# many-to-many, so deleting a choice would silently drop it from them), must not be deleted.
def question_has_answers(question: Question) -> bool:
    """Whether any learner answered the question, in a quiz attempt or a survey response."""
    return (
        QuizAnswer.objects.filter(question=question).exists()
        or SurveyAnswer.objects.filter(question=question).exists()
    )


def picked_choice_ids(question: Question) -> set[int]:
    """The question's choices that some learner's answer picked."""
    ids = set(
        QuizAnswer.choices.through.objects.filter(choice__question=question).values_list(
            "choice_id", flat=True
        )
    )
    ids.update(
        SurveyAnswer.choices.through.objects.filter(choice__question=question).values_list(
            "choice_id", flat=True
        )
    )
    return ids


def _questions(component: Component) -> list[Question]:
    return list(component.questions.prefetch_related("choices").order_by("position"))


def quiz_state(*, enrollment: Enrollment, component: Component) -> QuizState:
    """The learner's attempts at the quiz in this cycle, oldest first, and what they may do."""
    attempts = list(
        QuizAttempt.objects.filter(enrollment=enrollment, component=component).order_by("number")
    )
    used = len(attempts)
    left = None if component.max_attempts == 0 else max(0, component.max_attempts - used)
    return QuizState(
        attempts=attempts,
        open_attempt=next((a for a in attempts if a.submitted_at is None), None),
        passed=any(a.passed for a in attempts),
        attempts_left=left,
    )


@transaction.atomic
def quiz_attempt_start(
    *, user: User, component: Component, rng: random.Random | None = None
) -> QuizAttempt:
    """Open an attempt (or return the one already open), in shuffled order if the quiz says so.

    Refused when the quiz is passed already or no attempt is left. The progress row is locked
    first, so two clicks at once open one attempt.
    """
    if component.kind != Component.Kind.QUIZ:
        raise ProgressRefused(gettext("This is not a quiz."))
    now = timezone.now()
    progress = progress_for_update(user=user, component=component, now=now)
    state = quiz_state(enrollment=progress.enrollment, component=component)
    if state.open_attempt is not None:
        return state.open_attempt
    if state.passed:
        raise ProgressRefused(gettext("You have passed this quiz."))
    if state.attempts_left == 0:
        raise ProgressRefused(gettext("You have used every attempt this quiz allows."))
    questions = _questions(component)
    if not questions:
        raise ProgressRefused(gettext("This quiz has no questions yet."))
    # [question id, [choice ids]] pairs, as the attempt's JSON keeps them.
    layout: list[list] = [[q.pk, [c.pk for c in q.choices.all()]] for q in questions]
    if component.shuffle:
        rng = rng or random.SystemRandom()
        rng.shuffle(layout)
        for _question, choices in layout:
            rng.shuffle(choices)
    return QuizAttempt.objects.create(
        enrollment=progress.enrollment,
        component=component,
        number=len(state.attempts) + 1,
        layout=layout,
        started_at=now,
    )


def _chosen(question: Question, raw: Sequence[int | str] | None) -> tuple[list[Choice], str]:
    """The choices picked for a question, or an error message for the learner."""
    offered = {c.pk: c for c in question.choices.all()}
    picked: list[Choice] = []
    for value in raw or []:
        try:
            picked.append(offered[int(value)])
        except (KeyError, TypeError, ValueError):
            return [], gettext("That answer is not one of this question's choices.")
    picked = list({c.pk: c for c in picked}.values())
    if not picked and question.required:
        return [], gettext("Choose an answer.")
    if question.kind == Question.Kind.SINGLE and len(picked) > 1:
        return [], gettext("Choose one answer.")
    return picked, ""


@transaction.atomic
def quiz_attempt_submit(
    *,
    user: User,
    attempt_id: int,
    answers: Mapping[int, Sequence[int | str]],
    now: datetime | None = None,
) -> QuizAttempt:
    """Score the learner's open attempt, store every answer, complete the quiz on a pass.

    ``answers`` maps question ids to the chosen choice ids. Refused (nothing stored) when a
    question is unanswered or an answer is not one of its choices; an attempt is scored once.
    """
    now = now or timezone.now()
    attempt = (
        QuizAttempt.objects.select_for_update()
        .select_related("component__module", "enrollment")
        .filter(pk=attempt_id, enrollment__user=user)
        .first()
    )
    if attempt is None:
        raise ProgressRefused(gettext("This attempt is not yours."))
    if attempt.submitted_at is not None:
        raise ProgressRefused(gettext("This attempt has been submitted already."))
    component = attempt.component
    questions = {q.pk: q for q in _questions(component)}
    errors: dict[int, str] = {}
    picked: dict[int, list[Choice]] = {}
    for question_id, _choices in attempt.layout:
        question = questions.get(question_id)
        if question is None:  # removed by an author since: not held against the learner
            continue
        picked[question_id], error = _chosen(question, answers.get(question_id))
        if error:
            errors[question_id] = error
    if errors:
        raise AnswerRefused(gettext("Some answers need another look."), errors)
    scored = 0
    for question_id, choices in picked.items():
        question = questions[question_id]
        correct = {c.pk for c in question.choices.all() if c.is_correct} == {c.pk for c in choices}
        scored += correct
        answer = QuizAnswer.objects.create(attempt=attempt, question=question, correct=correct)
        answer.choices.set(choices)
    total = len(picked)
    attempt.score = 100 * scored // total if total else 0
    attempt.passed = attempt.score >= (component.pass_mark or 100)
    attempt.submitted_at = now
    attempt.save(update_fields=["score", "passed", "submitted_at"])

    progress = progress_for_update(user=user, component=component, now=now)
    was_complete = progress.is_complete
    progress.percent = max(progress.percent, attempt.score)
    if attempt.passed and not was_complete:
        progress.state = Progress.State.COMPLETED
        progress.percent = 100
    progress_finish(
        progress=progress,
        component=component,
        fields=["percent", "updated_at"],
        was_complete=was_complete,
        now=now,
    )
    return attempt


@transaction.atomic
def survey_submit(
    *,
    user: User,
    component: Component,
    answers: Mapping[int, object],
    now: datetime | None = None,
) -> SurveyResponse:
    """Store a survey response and complete the component. Once per learner and cycle.

    ``answers`` maps question ids to: a list of choice ids (choice questions), a number 1–5
    (agreement scale) or text. An anonymous survey's response keeps no link to the learner and
    only the day; the completion is recorded on the learner's progress as for any component.
    """
    if component.kind != Component.Kind.SURVEY:
        raise ProgressRefused(gettext("This is not a survey."))
    now = now or timezone.now()
    progress = progress_for_update(user=user, component=component, now=now)
    if progress.is_complete:
        raise ProgressRefused(gettext("You have answered this survey already."))
    errors: dict[int, str] = {}
    clean: list[tuple[Question, list[Choice], int | None, str]] = []
    for question in _questions(component):
        raw = answers.get(question.pk)
        choices: list[Choice] = []
        scale: int | None = None
        text = ""
        if question.has_choices:
            values: list = list(raw) if isinstance(raw, list | tuple) else ([raw] if raw else [])
            choices, error = _chosen(question, values)
            if error:
                errors[question.pk] = error
                continue
            empty = not choices
        elif question.kind == Question.Kind.LIKERT:
            if raw not in (None, ""):
                try:
                    scale = int(raw)  # type: ignore[call-overload]
                except (TypeError, ValueError):
                    scale = 0
                if not 1 <= scale <= 5:
                    errors[question.pk] = gettext("Choose a point on the scale.")
                    continue
            empty = scale is None
        else:
            text = str(raw or "").strip()
            if len(text) > 5000:
                errors[question.pk] = gettext("Please keep the answer under 5,000 characters.")
                continue
            if "\x00" in text:  # a NUL byte: no text column of PostgreSQL can store it
                errors[question.pk] = gettext(
                    "The answer holds a character that cannot be saved (a null character): "
                    "please type it again."
                )
                continue
            empty = not text
        if empty and question.required:
            errors[question.pk] = gettext("This question needs an answer.")
            continue
        if not empty:
            clean.append((question, choices, scale, text))
    if errors:
        raise AnswerRefused(gettext("Some answers need another look."), errors)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                component=component,
                enrollment=None if component.anonymous else progress.enrollment,
                submitted_on=timezone.localdate(now),
            )
    except IntegrityError as exc:
        raise ProgressRefused(gettext("You have answered this survey already.")) from exc
    for question, choices, scale, text in clean:
        answer = SurveyAnswer.objects.create(
            response=response, question=question, scale=scale, text=text
        )
        if choices:
            answer.choices.set(choices)
    progress.state = Progress.State.COMPLETED
    progress.percent = 100
    progress_finish(
        progress=progress, component=component, fields=["updated_at"], was_complete=False, now=now
    )
    return response
