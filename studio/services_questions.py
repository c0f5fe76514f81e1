"""Writes of the studio's question editor: the questions of quizzes and surveys, and their choices.

Rules kept here:
- A quiz asks single- or multiple-choice questions; a survey may also ask for a point on the
  agreement scale or for free text, which offer no choices.
- A choice question offers at least two different choices. A quiz's single-choice question has
  exactly one correct choice, a multiple-choice question at least one; survey choices are neither
  right nor wrong.
- A question's key (slug) is unique within its component, made from its text when not given, and
  kept when an edit leaves it empty.
- Positions stay a gap-free 1..n: a new question goes at the end, a removal closes the gap, a move
  swaps two neighbours. Choices are numbered 1..n in the order the author lists them.
- Learners' records are never lost: a question with answers is not removed and does not change
  kind, and a choice picked in an answer is not removed. Nothing here rescores an attempt: scores
  already given stay as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, ProtectedError

from courses.models import Choice, Component, Question
from courses.quizzes import picked_choice_ids, question_has_answers
from lms.slugs import unique_slug
from studio.errors import StudioRefused
from studio.ordering import ARCHIVED_POSITION, move, next_position, renumber
from studio.services import save_valid

ANSWERED = "Learners have answered this question; edit its wording instead of removing it."
KINDS: dict[str, tuple[str, ...]] = {
    Component.Kind.QUIZ: tuple(Question.QUIZ_KINDS),
    Component.Kind.SURVEY: tuple(Question.SURVEY_KINDS),
}


class QuestionRefused(StudioRefused):
    """The question cannot be saved as it is; ``field`` names the part of the form at fault
    ("kind", "slug", "choices"), None for the question as a whole."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ChoiceInput:
    """One choice as the author wants it; ``pk`` names an existing choice of the question."""

    text: str
    is_correct: bool = False
    pk: int | None = None


def _component_for_update(component_id: int) -> Component:
    """The component, locked: one writer of its questions' positions at a time."""
    component = Component.objects.select_for_update().get(pk=component_id)
    if component.kind not in KINDS:
        raise QuestionRefused("Only quizzes and surveys have questions.")
    return component


def _check(*, component: Component, kind: str, choices: Sequence[ChoiceInput]) -> None:
    """Refuse a kind the component cannot ask, or choices that do not fit the kind."""
    is_quiz = component.kind == Component.Kind.QUIZ
    if kind not in KINDS[component.kind]:
        raise QuestionRefused(
            "A quiz asks single- or multiple-choice questions."
            if is_quiz
            else "Choose one of the kinds of question offered.",
            field="kind",
        )
    label = Question.Kind(kind).label
    if kind not in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        if choices:
            raise QuestionRefused(
                f"A “{label}” question offers no choices: empty or remove the choice rows, or "
                "make it a single- or multiple-choice question.",
                field="choices",
            )
        return
    if any(not choice.text.strip() for choice in choices):
        raise QuestionRefused("Every choice needs its wording.", field="choices")
    if len(choices) < 2:
        raise QuestionRefused(
            "A choice question needs at least two choices: fill in the empty rows.",
            field="choices",
        )
    seen: set[str] = set()
    for choice in choices:
        key = " ".join(choice.text.split()).casefold()
        if key in seen:
            raise QuestionRefused(
                f"Two choices read “{choice.text.strip()}”: make each one different.",
                field="choices",
            )
        seen.add(key)
    correct = sum(choice.is_correct for choice in choices)
    if not is_quiz:
        if correct:
            raise QuestionRefused(
                "Survey choices are neither right nor wrong: none can be marked correct.",
                field="choices",
            )
    elif kind == Question.Kind.SINGLE and correct != 1:
        raise QuestionRefused(
            "A single-choice question needs exactly one correct choice "
            f"(this one has {correct}): tick one, or make it multiple choice.",
            field="choices",
        )
    elif kind == Question.Kind.MULTIPLE and correct < 1:
        raise QuestionRefused(
            "A multiple-choice question needs at least one correct choice: tick the right ones.",
            field="choices",
        )


def _slug(*, component: Component, slug: str, text: str, exclude_pk: int | None = None) -> str:
    others = component.questions.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if not slug:
        return unique_slug(text, others, fallback="question")
    if others.filter(slug=slug).exists():
        raise QuestionRefused(
            f"Another question of this {component.get_kind_display().lower()} has the key "
            f"“{slug}”: choose another, or leave it empty to make one from the question.",
            field="slug",
        )
    return slug


def _write_choices(question: Question, choices: Sequence[ChoiceInput]) -> None:
    """Give the question exactly these choices, numbered 1..n in this order (the choices not
    listed are deleted by the caller first)."""
    existing = {choice.pk: choice for choice in question.choices.all()}
    # Park the kept rows out of the way first: positions are unique per question.
    Choice.objects.filter(pk__in=existing).update(position=F("position") + ARCHIVED_POSITION * 2)
    for position, item in enumerate(choices, start=1):
        choice = existing[item.pk] if item.pk is not None else Choice(question=question)
        choice.position = position
        choice.text = item.text.strip()
        choice.is_correct = item.is_correct
        save_valid(choice)


@transaction.atomic
def question_create(
    *,
    component: Component,
    kind: str,
    text: str,
    slug: str = "",
    explanation: str = "",
    required: bool = True,
    choices: Sequence[ChoiceInput] = (),
) -> Question:
    """A question at the end of the quiz or survey, with its choices. Refused (nothing saved)
    when the kind or the choices break a rule above. A quiz's questions always need an answer;
    a survey's have no explanation."""
    component = _component_for_update(component.pk)
    choices = list(choices)
    if any(choice.pk is not None for choice in choices):
        raise QuestionRefused("A new question has only new choices.", field="choices")
    _check(component=component, kind=kind, choices=choices)
    is_quiz = component.kind == Component.Kind.QUIZ
    question = save_valid(
        Question(
            component=component,
            kind=kind,
            text=text.strip(),
            slug=_slug(component=component, slug=slug, text=text),
            explanation=explanation.strip() if is_quiz else "",
            required=True if is_quiz else required,
            position=next_position(component.questions.all()),
        )
    )
    _write_choices(question, choices)
    return question


@transaction.atomic
def question_update(
    *,
    question: Question,
    kind: str,
    text: str,
    slug: str = "",
    explanation: str = "",
    required: bool = True,
    choices: Sequence[ChoiceInput],
) -> Question:
    """Change the question and make ``choices`` its choices (existing ones by ``pk``; those not
    listed are removed). Refused, with nothing saved, by the rules above; attempts already
    scored keep their scores. An empty ``slug`` keeps the question's key."""
    component = _component_for_update(question.component_id)
    # Compared with the stored row: a bound form may have changed the instance already.
    stored = Question.objects.select_for_update().get(pk=question.pk)
    choices = list(choices)
    _check(component=component, kind=kind, choices=choices)
    if kind != stored.kind and question_has_answers(stored):
        raise QuestionRefused(
            "Learners have answered this question, so its kind cannot change: add a new "
            "question instead.",
            field="kind",
        )
    existing = {choice.pk: choice for choice in stored.choices.all()}
    listed = [choice.pk for choice in choices if choice.pk is not None]
    if set(listed) - set(existing) or len(set(listed)) != len(listed):
        raise QuestionRefused(
            "The choices changed since this page was opened: reload it and try again.",
            field="choices",
        )
    removed = [choice for pk, choice in existing.items() if pk not in listed]
    picked = picked_choice_ids(stored) if removed else set()
    kept_for_learners = [choice for choice in removed if choice.pk in picked]
    if kept_for_learners:
        names = ", ".join(f"“{choice.text}”" for choice in kept_for_learners)
        them = "it" if len(kept_for_learners) == 1 else "them"
        raise QuestionRefused(
            f"{names} cannot be removed: learners picked {them} in their answers. "
            "Edit the wording instead.",
            field="choices",
        )
    is_quiz = component.kind == Component.Kind.QUIZ
    stored.kind = kind
    stored.text = text.strip()
    stored.slug = _slug(
        component=component, slug=slug or stored.slug, text=text, exclude_pk=stored.pk
    )
    stored.explanation = explanation.strip() if is_quiz else ""
    stored.required = True if is_quiz else required
    save_valid(stored)
    Choice.objects.filter(pk__in=[choice.pk for choice in removed]).delete()
    _write_choices(stored, choices)
    return stored


@transaction.atomic
def question_remove(*, question: Question) -> None:
    """Delete a question nobody answered, with its choices; the questions after it move up.
    Refused for a question with answers (they are learners' records)."""
    component = _component_for_update(question.component_id)
    if question_has_answers(question):
        raise QuestionRefused(ANSWERED)
    try:
        question.delete()
    except ProtectedError as exc:  # answered since the check above
        raise QuestionRefused(ANSWERED) from exc
    rest = list(component.questions.order_by("position"))
    if rest:
        renumber(rest, [q.pk for q in rest])


@transaction.atomic
def question_move(*, question: Question, direction: str) -> None:
    """Swap the question with the one above ("up") or below ("down"); at either end, nothing."""
    component = _component_for_update(question.component_id)
    move(component.questions.all(), question.pk, direction)
