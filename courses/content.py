"""The one owner of course content: every write to series, modules, components, questions and
choices goes through here, whoever makes it (the studio, ``import_series``, ``seed_demo``).
Django admin shows content read-only.

Rules kept here:
- Content versions follow what learners must complete, whatever the path: every change runs
  inside ``_change``, which compares the series' live required components by module before and
  after. A module whose required set changed gets a new version; the series gets one new
  version per change that altered any of them. The studio's three steps and a file's one import
  that end in the same content end in the same versions. After such a change the open
  enrollments are recomputed by ``courses.completion`` after commit (a Celery task).
- Learners' records are never lost: removing a module or component that learners worked in
  archives it (kept for their records, shown to nobody); a question with answers is not removed
  and does not change kind; a choice picked in an answer is not removed.
- A published series is always completable: it requires at least one live component, and no
  live required quiz or survey is without questions, no live required video without its file.
  A change that breaks this is refused with a message for the author, and nothing is saved.
- A published series is followed by every learner: each live video, required or optional, has
  captions, a transcript, or its author's word that nothing is said in it (``no_speech``).
  Refused the same way (``CaptionsRequired``, naming every video at fault).
- Positions stay a gap-free 1..n among live rows; archived rows sit at ``ARCHIVED_POSITION`` +
  their id, out of the live order. Renumbering parks rows at twice that first (positions are
  unique per parent).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Max, Model, ProtectedError, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from audit.services import audit_record
from courses import completion
from courses.importing import MEDIA_DIR, ImportRefused, captions_source, validate
from courses.models import (
    Choice,
    Component,
    Module,
    ModuleCompletion,
    Progress,
    Question,
    QuizAttempt,
    Series,
    SurveyResponse,
    new_content_token,
)
from courses.quizzes import picked_choice_ids, question_has_answers
from lms.slugs import unique_slug
from toolkit.models import Resource
from toolkit.services import resource_create

ARCHIVED_POSITION = 1_000_000
PARKING_OFFSET = ARCHIVED_POSITION * 2  # added to positions while renumbering
ANSWERED = gettext_lazy(
    "Learners have answered this question; edit its wording instead of removing it."
)
QUESTION_KINDS: dict[str, tuple[str, ...]] = {
    Component.Kind.QUIZ: tuple(Question.QUIZ_KINDS),
    Component.Kind.SURVEY: tuple(Question.SURVEY_KINDS),
}


class ContentRefused(Exception):
    """The change cannot be made; the message says why, for the author. Nothing was saved."""


class CaptionsRequired(ContentRefused):
    """A published series would show a video with speech and neither captions nor a
    transcript; ``field`` is the form field where an author fixes it."""

    field = "captions_file"

    def __init__(self, videos: Sequence[Component]) -> None:
        names = [_where(video) for video in videos]
        if len(names) == 1:
            message = _(
                "%(video)s is a video with speech and neither captions nor a transcript: "
                "learners who are deaf or hard of hearing could not follow it. Upload its "
                "captions (a WebVTT file) or write its transcript; if nothing is said in it, "
                "tick “This video has no speech”."
            ) % {"video": names[0]}
        else:
            message = _(
                "These videos have speech and neither captions nor a transcript: "
                "%(videos)s. Upload captions (a WebVTT file) or write a transcript for "
                "each; for a video in which nothing is said, tick “This video has no speech”."
            ) % {"videos": ", ".join(names)}
        super().__init__(message)
        self.videos = list(videos)


def _where(component: Component) -> str:
    """A component as a refusal names it: its title and its module's."""
    return _("“%(title)s” (module “%(module)s”)") % {
        "title": component.title,
        "module": component.module.title,
    }


class QuestionRefused(ContentRefused):
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


# --------------------------------------------------------------------------- versions and guards


@contextmanager
def _change(series_id: int, *, new: bool = False) -> Iterator[Series]:
    """Run one content change of the series: locked (one writer at a time), versioned by what
    it did to the requirements, checked against the publishing guards, and followed after
    commit by the recomputation of open enrollments when requirements changed; the series'
    content token renewed unless the change wrote nothing. Call inside a transaction. A ``new``
    series (created by this change) keeps its first version."""
    series = Series.objects.select_for_update().get(pk=series_id)
    before = completion.requirements(series_id=series_id).by_module
    yield series
    after = completion.requirements(series_id=series_id).by_module
    changed = {m for m in before.keys() | after.keys() if before.get(m) != after.get(m)}
    if new:
        changed = set()
    # A module that left the live set (archived or deleted) needs no version of its own.
    bumped = Module.objects.live().filter(pk__in=changed)
    bumped.update(version=F("version") + 1)
    # A new content token on every change that wrote something: the heartbeat's cached lookups
    # of this series' components stop matching (see Series.content_token).
    series_updates: dict[str, Any] = {}
    if not series.wrote_nothing:
        series_updates["content_token"] = new_content_token()
    if changed:
        series_updates["version"] = F("version") + 1
    if series_updates:
        Series.objects.filter(pk=series_id).update(**series_updates)
    if changed:
        from courses.tasks import refresh_series_enrollments

        refresh_series_enrollments.delay_on_commit(series_id)
    series.refresh_from_db(fields=["version", "status"])
    if series.status == Series.Status.PUBLISHED:
        _check_completable(series)
        _check_captioned(series)


def _check_completable(series: Series) -> None:
    """Refuse a published series that a learner could not complete (see the module's rules)."""
    required = list(
        Component.objects.live()
        .filter(module__series=series, required=True)
        .select_related("module")
        .order_by("module__position", "position")
    )
    if not required:
        raise ContentRefused(
            _(
                "A published series needs at least one required component: keep one required, "
                "or archive the series first."
            )
        )
    asked = set(
        Question.objects.filter(component__in=required).values_list("component_id", flat=True)
    )
    for component in required:
        where = _where(component)
        if component.kind in QUESTION_KINDS and component.pk not in asked:
            if component.kind == Component.Kind.QUIZ:
                message = _(
                    "%(where)s is a required quiz without questions, and learners could not "
                    "complete it. Save it as optional, write its questions, then make it required."
                )
            else:
                message = _(
                    "%(where)s is a required survey / evaluation without questions, and learners "
                    "could not complete it. Save it as optional, write its questions, then make it "
                    "required."
                )
            raise ContentRefused(message % {"where": where})
        if component.kind == Component.Kind.VIDEO and not (
            component.video_file and default_storage.exists(component.video_file.name or "")
        ):
            raise ContentRefused(
                _("%(where)s is a required video without its file: upload it.") % {"where": where}
            )


def _check_captioned(series: Series) -> None:
    """Refuse a published series with a live video that needs captions or a transcript."""
    videos = (
        Component.objects.live()
        .filter(module__series=series, kind=Component.Kind.VIDEO, no_speech=False, captions_file="")
        .select_related("module")
        .order_by("module__position", "position")
    )
    missing = [video for video in videos if video.needs_captions]
    if missing:
        raise CaptionsRequired(missing)


M = TypeVar("M", bound=Model)


def _save_valid(instance: M) -> M:
    instance.full_clean()
    instance.save()
    return instance


# --------------------------------------------------------------------------- positions


def next_position(queryset: QuerySet) -> int:
    top = queryset.filter(position__lt=ARCHIVED_POSITION).aggregate(m=Max("position"))["m"]
    return (top or 0) + 1


def _park(model: type[Model], ids: Sequence[int]) -> None:
    """Move rows out of the live order so they can be renumbered (positions are unique)."""
    model._default_manager.filter(pk__in=ids).update(position=F("position") + PARKING_OFFSET)


def renumber(rows: Sequence[Any], ordered_ids: Sequence[int]) -> None:
    """Give ``rows`` the positions 1..n in ``ordered_ids`` order, past the unique constraint."""
    model = type(rows[0])
    _park(model, [row.pk for row in rows])
    for position, pk in enumerate(ordered_ids, start=1):
        model._default_manager.filter(pk=pk).update(position=position)


def _reorder(live: QuerySet, ordered_ids: Sequence[int]) -> None:
    rows = list(live.select_for_update().order_by("position"))
    if sorted(int(pk) for pk in ordered_ids) != sorted(row.pk for row in rows):
        raise ContentRefused(_("The order sent does not match the current items: reload the page."))
    renumber(rows, [int(pk) for pk in ordered_ids])


def _move(live: QuerySet, item_id: int, direction: str) -> None:
    if direction not in ("up", "down"):
        raise ContentRefused(_("Move up or down."))
    rows = list(live.select_for_update().order_by("position"))
    ids = [row.pk for row in rows]
    index = ids.index(item_id)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
        renumber(rows, ids)


def _close_gaps(live: QuerySet) -> None:
    rows = list(live.order_by("position"))
    if rows and [row.position for row in rows] != list(range(1, len(rows) + 1)):
        renumber(rows, [row.pk for row in rows])


# --------------------------------------------------------------------------- series


@transaction.atomic
def series_create(*, title: str, **fields: Any) -> Series:
    """A new draft series; the slug comes from the title when none is given."""
    slug = fields.pop("slug", "") or unique_slug(title, Series.objects.all(), fallback="series")
    return _save_valid(Series(title=title, slug=slug, status=Series.Status.DRAFT, **fields))


@transaction.atomic
def series_update(*, series: Series, **fields: Any) -> Series:
    """Change the series' own fields (title, summary, provider, credit hours, ...)."""
    with _change(series.pk):
        for name, value in fields.items():
            setattr(series, name, value)
        _save_valid(series)
    return series


STATUS_ACTIONS = {
    Series.Status.PUBLISHED: "content.published",
    Series.Status.ARCHIVED: "content.archived",
    Series.Status.DRAFT: "content.drafted",
}


def _status_audit(
    series: Series,
    before: str,
    *,
    by: User | None,
    request: HttpRequest | None,
    via: str,
) -> None:
    """The security log's record of a series changing status (published, archived, back to
    draft), in the change's transaction: it stands only if the change does."""
    audit_record(
        action=STATUS_ACTIONS[Series.Status(series.status)],
        actor=by,
        target=series,
        request=request,
        details={"slug": series.slug, "from": before, "to": series.status, "via": via},
    )


@transaction.atomic
def series_set_status(
    *,
    series: Series,
    status: str,
    by: User | None = None,
    request: HttpRequest | None = None,
) -> Series:
    """Publish, archive or take back to draft. Published only when learners can complete it.
    A change of status is audited (``content.published``, ``content.archived``,
    ``content.drafted``)."""
    if status not in Series.Status.values:
        raise ContentRefused(_("Unknown status."))
    with _change(series.pk) as locked:
        before = locked.status
        if status == Series.Status.DRAFT and series.enrollments.exists():
            raise ContentRefused(
                _(
                    "Learners are enrolled in this series: archive it instead of taking it back "
                    "to draft."
                )
            )
        Series.objects.filter(pk=series.pk).update(status=status, updated_at=timezone.now())
    series.status = status
    if before != status:
        _status_audit(series, before, by=by, request=request, via="studio")
    return series


# --------------------------------------------------------------------------- modules


@transaction.atomic
def module_create(
    *, series: Series, title: str, prerequisites: Sequence[Module] = (), **fields: Any
) -> Module:
    """A module at the end of the series. It requires nothing until it has required
    components, so it changes no learner's progress by itself."""
    with _change(series.pk):
        slug = fields.pop("slug", "") or unique_slug(title, series.modules.all(), fallback="module")
        module = _save_valid(
            Module(
                series=series,
                title=title,
                slug=slug,
                position=next_position(series.modules.all()),
                **fields,
            )
        )
        _set_prerequisites(module, prerequisites)
    return module


@transaction.atomic
def module_update(
    *, module: Module, prerequisites: Sequence[Module] | None = None, **fields: Any
) -> Module:
    with _change(module.series_id):
        for name, value in fields.items():
            setattr(module, name, value)
        _save_valid(module)
        if prerequisites is not None:
            _set_prerequisites(module, prerequisites)
    return module


def _set_prerequisites(module: Module, prerequisites: Sequence[Module]) -> None:
    wanted = {m.pk for m in prerequisites}
    if any(m.series_id != module.series_id or m.pk == module.pk for m in prerequisites):
        raise ContentRefused(_("A module can only build on other modules of its series."))
    if _creates_cycle(module, wanted):
        raise ContentRefused(_("That would make modules wait on each other in a circle."))
    if set(module.prerequisites.values_list("pk", flat=True)) != wanted:
        module.prerequisites.set(wanted)


def _creates_cycle(module: Module, wanted: set[int]) -> bool:
    """Would ``module`` building on ``wanted`` close a loop of prerequisites?"""
    edges: dict[int, set[int]] = {}
    for source, target in Module.prerequisites.through.objects.filter(
        from_module__series_id=module.series_id
    ).values_list("from_module_id", "to_module_id"):
        edges.setdefault(source, set()).add(target)
    edges[module.pk] = set(wanted)
    seen: set[int] = set()
    stack = list(wanted)
    while stack:
        current = stack.pop()
        if current == module.pk:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(edges.get(current, ()))
    return False


@transaction.atomic
def modules_reorder(*, series: Series, ordered_ids: Sequence[int]) -> None:
    """Put the series' live modules in this order (every one of them, each once)."""
    with _change(series.pk):
        _reorder(series.modules.live(), ordered_ids)


@transaction.atomic
def module_move(*, module: Module, direction: str) -> None:
    with _change(module.series_id):
        _move(module.series.modules.live(), module.pk, direction)


def module_has_records(module: Module) -> bool:
    return (
        ModuleCompletion.objects.filter(module=module).exists()
        or Progress.objects.filter(component__module=module).exists()
        or module.acknowledgements.exists()
    )


@transaction.atomic
def module_remove(*, module: Module) -> str:
    """Delete an untouched module; archive one learners worked in. Returns "deleted" or
    "archived". The modules after it move up."""
    with _change(module.series_id) as series:
        if module_has_records(module):
            now = timezone.now()
            Module.objects.filter(pk=module.pk).update(
                archived_at=now, position=ARCHIVED_POSITION + module.pk
            )
            module.components.unarchived().update(archived_at=now)
            outcome = "archived"
        else:
            # No learner record points here: questions and choices of its quizzes go with it.
            module.delete()
            outcome = "deleted"
        _close_gaps(series.modules.live())
    return outcome


# --------------------------------------------------------------------------- components


@transaction.atomic
def component_create(*, module: Module, kind: str, title: str, **fields: Any) -> Component:
    """A component at the end of the module. A required one is a new content version: learners
    who completed the module keep that record, the others (and the open enrollments) need it."""
    with _change(module.series_id):
        slug = fields.pop("slug", "") or unique_slug(title, module.components.all(), fallback=kind)
        if kind == Component.Kind.CERTIFICATE:
            fields["required"] = False
        component = _save_valid(
            Component(
                module=module,
                kind=kind,
                title=title,
                slug=slug,
                position=next_position(module.components.all()),
                **fields,
            )
        )
    return component


@transaction.atomic
def component_update(*, component: Component, **fields: Any) -> Component:
    with _change(component.module.series_id):
        # Compared with the stored row: a bound form may have changed the instance already.
        was_anonymous = Component.objects.values_list("anonymous", flat=True).get(pk=component.pk)
        if (
            was_anonymous
            and fields.get("anonymous", component.anonymous) is False
            and SurveyResponse.objects.filter(component=component).exists()
        ):
            raise ContentRefused(
                _("People answered this survey anonymously: it cannot stop being anonymous.")
            )
        for name, value in fields.items():
            setattr(component, name, value)
        _save_valid(component)
    return component


@transaction.atomic
def components_reorder(*, module: Module, ordered_ids: Sequence[int]) -> None:
    with _change(module.series_id):
        _reorder(module.components.unarchived(), ordered_ids)


@transaction.atomic
def component_move(*, component: Component, direction: str) -> None:
    with _change(component.module.series_id):
        _move(component.module.components.unarchived(), component.pk, direction)


def component_has_records(component: Component) -> bool:
    return (
        Progress.objects.filter(component=component).exists()
        or QuizAttempt.objects.filter(component=component).exists()
        or SurveyResponse.objects.filter(component=component).exists()
    )


@transaction.atomic
def component_remove(*, component: Component) -> str:
    """Delete an untouched component; archive one with learners' records (never a cascade that
    loses them). Returns "deleted" or "archived"."""
    module = component.module
    with _change(module.series_id):
        if component_has_records(component):
            Component.objects.filter(pk=component.pk).update(
                archived_at=timezone.now(), position=ARCHIVED_POSITION + component.pk
            )
            outcome = "archived"
        else:
            component.delete()
            outcome = "deleted"
        _close_gaps(module.components.unarchived())
    return outcome


# --------------------------------------------------------------------------- questions


def _component_for_questions(component_id: int) -> Component:
    component = Component.objects.select_related("module").get(pk=component_id)
    if component.kind not in QUESTION_KINDS:
        raise QuestionRefused(_("Only quizzes and surveys have questions."))
    return component


def _check_question(*, component: Component, kind: str, choices: Sequence[ChoiceInput]) -> None:
    """Refuse a kind the component cannot ask, or choices that do not fit the kind."""
    is_quiz = component.kind == Component.Kind.QUIZ
    if kind not in QUESTION_KINDS[component.kind]:
        raise QuestionRefused(
            _("A quiz asks single- or multiple-choice questions.")
            if is_quiz
            else _("Choose one of the kinds of question offered."),
            field="kind",
        )
    label = Question.Kind(kind).label
    if kind not in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        if choices:
            raise QuestionRefused(
                _(
                    "A “%(kind)s” question offers no choices: empty or remove the choice rows, or "
                    "make it a single- or multiple-choice question."
                )
                % {"kind": label},
                field="choices",
            )
        return
    if any(not choice.text.strip() for choice in choices):
        raise QuestionRefused(_("Every choice needs its wording."), field="choices")
    if len(choices) < 2:
        raise QuestionRefused(
            _("A choice question needs at least two choices: fill in the empty rows."),
            field="choices",
        )
    seen: set[str] = set()
    for choice in choices:
        key = " ".join(choice.text.split()).casefold()
        if key in seen:
            raise QuestionRefused(
                _("Two choices read “%(text)s”: make each one different.")
                % {"text": choice.text.strip()},
                field="choices",
            )
        seen.add(key)
    correct = sum(choice.is_correct for choice in choices)
    if not is_quiz:
        if correct:
            raise QuestionRefused(
                _("Survey choices are neither right nor wrong: none can be marked correct."),
                field="choices",
            )
    elif kind == Question.Kind.SINGLE and correct != 1:
        raise QuestionRefused(
            _(
                "A single-choice question needs exactly one correct choice "
                "(this one has %(correct)s): tick one, or make it multiple choice."
            )
            % {"correct": correct},
            field="choices",
        )
    elif kind == Question.Kind.MULTIPLE and correct < 1:
        raise QuestionRefused(
            _("A multiple-choice question needs at least one correct choice: tick the right ones."),
            field="choices",
        )


def _question_slug(
    *, component: Component, slug: str, text: str, exclude_pk: int | None = None
) -> str:
    others = component.questions.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if not slug:
        return unique_slug(text, others, fallback="question")
    if others.filter(slug=slug).exists():
        if component.kind == Component.Kind.QUIZ:
            message = _(
                "Another question of this quiz has the key “%(key)s”: choose another, or leave "
                "it empty to make one from the question."
            )
        else:
            message = _(
                "Another question of this survey / evaluation has the key “%(key)s”: choose "
                "another, or leave it empty to make one from the question."
            )
        raise QuestionRefused(message % {"key": slug}, field="slug")
    return slug


def _write_choices(question: Question, choices: Sequence[ChoiceInput]) -> None:
    """Give the question exactly these choices, numbered 1..n in this order (the choices not
    listed are deleted by the caller first)."""
    existing = {choice.pk: choice for choice in question.choices.all()}
    _park(Choice, list(existing))
    for position, item in enumerate(choices, start=1):
        choice = existing[item.pk] if item.pk is not None else Choice(question=question)
        choice.position = position
        choice.text = item.text.strip()
        choice.is_correct = item.is_correct
        _save_valid(choice)


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
    when the kind or the choices break a rule of ``_check_question``. A quiz's questions always
    need an answer; a survey's have no explanation."""
    component = _component_for_questions(component.pk)
    with _change(component.module.series_id):
        choices = list(choices)
        if any(choice.pk is not None for choice in choices):
            raise QuestionRefused(_("A new question has only new choices."), field="choices")
        _check_question(component=component, kind=kind, choices=choices)
        is_quiz = component.kind == Component.Kind.QUIZ
        question = _save_valid(
            Question(
                component=component,
                kind=kind,
                text=text.strip(),
                slug=_question_slug(component=component, slug=slug, text=text),
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
    component = _component_for_questions(question.component_id)
    with _change(component.module.series_id):
        # Compared with the stored row: a bound form may have changed the instance already.
        stored = Question.objects.select_for_update().get(pk=question.pk)
        choices = list(choices)
        _check_question(component=component, kind=kind, choices=choices)
        if kind != stored.kind and question_has_answers(stored):
            raise QuestionRefused(
                _(
                    "Learners have answered this question, so its kind cannot change: add a new "
                    "question instead."
                ),
                field="kind",
            )
        existing = {choice.pk: choice for choice in stored.choices.all()}
        listed = [choice.pk for choice in choices if choice.pk is not None]
        if set(listed) - set(existing) or len(set(listed)) != len(listed):
            raise QuestionRefused(
                _("The choices changed since this page was opened: reload it and try again."),
                field="choices",
            )
        removed = [choice for pk, choice in existing.items() if pk not in listed]
        picked = picked_choice_ids(stored) if removed else set()
        kept_for_learners = [choice for choice in removed if choice.pk in picked]
        if kept_for_learners:
            names = ", ".join(f"“{choice.text}”" for choice in kept_for_learners)
            raise QuestionRefused(
                ngettext(
                    "%(names)s cannot be removed: learners picked it in their answers. "
                    "Edit the wording instead.",
                    "%(names)s cannot be removed: learners picked them in their answers. "
                    "Edit the wording instead.",
                    len(kept_for_learners),
                )
                % {"names": names},
                field="choices",
            )
        is_quiz = component.kind == Component.Kind.QUIZ
        stored.kind = kind
        stored.text = text.strip()
        stored.slug = _question_slug(
            component=component, slug=slug or stored.slug, text=text, exclude_pk=stored.pk
        )
        stored.explanation = explanation.strip() if is_quiz else ""
        stored.required = True if is_quiz else required
        _save_valid(stored)
        Choice.objects.filter(pk__in=[choice.pk for choice in removed]).delete()
        _write_choices(stored, choices)
    return stored


@transaction.atomic
def question_remove(*, question: Question) -> None:
    """Delete a question nobody answered, with its choices; the questions after it move up.
    Refused for a question with answers (they are learners' records), and for the last question
    of a required quiz or survey of a published series."""
    component = _component_for_questions(question.component_id)
    with _change(component.module.series_id):
        if question_has_answers(question):
            raise QuestionRefused(str(ANSWERED))
        try:
            question.delete()
        except ProtectedError as exc:  # answered since the check above
            raise QuestionRefused(str(ANSWERED)) from exc
        _close_gaps(component.questions.all())


@transaction.atomic
def question_move(*, question: Question, direction: str) -> None:
    """Swap the question with the one above ("up") or below ("down"); at either end, nothing."""
    component = _component_for_questions(question.component_id)
    with _change(component.module.series_id):
        _move(component.questions.all(), question.pk, direction)


# --------------------------------------------------------------------------- series files


@transaction.atomic
def series_import(
    document: Any,
    *,
    by: User | None = None,
    request: HttpRequest | None = None,
    via: str = "import",
) -> tuple[Series, bool]:
    """Create or update a series (its toolkit resources, modules, components, questions and
    prerequisites) from a format-1 document; see ``courses.importing`` for the format.

    The whole document is validated first and a bad one is refused (``ImportRefused`` naming
    the field) with nothing changed. Rows are matched by slug and updated in place, so learners'
    progress is kept; modules and components the file leaves out stay. The file's toolkit
    resources are matched by URL and created when missing. Versions, guards and the
    recomputation of learners are those of every other content change, and so is the audit of
    a change of status (``via`` names the path: "import", "seed"). Returns (series, changed);
    importing the same document twice changes nothing.
    """
    data, resources_data = validate(document)
    series = Series.objects.filter(slug=data["slug"]).first()
    created = series is None
    if series is None:
        # A new series starts as a draft, so the guards judge it whole, at the end.
        series = Series(slug=data["slug"], title=data["title"])
        _save(series, "series")
    try:
        with _change(series.pk, new=created) as locked:
            before = locked.status
            changed = _import_into(series, data, _import_resources(resources_data))
            locked.wrote_nothing = not changed
    except ContentRefused as exc:
        raise ImportRefused(f"series: {exc}") from exc
    if series.status != before:
        _status_audit(series, before, by=by, request=request, via=via)
    return series, changed or created


def _import_resources(resources: list[dict]) -> dict[str, Resource]:
    """The file's resources by their slug in the file: the site's resource with the same URL,
    else a new one (with the file's slug when it is free)."""
    found: dict[str, Resource] = {}
    for item in resources:
        resource = Resource.objects.filter(url=item["url"]).order_by("pk").first()
        if resource is None:
            free = not Resource.objects.filter(slug=item["slug"]).exists()
            try:
                resource = resource_create(
                    slug=item["slug"] if free else "",
                    title=item["title"],
                    url=item["url"],
                    folder=item["folder"],
                    category=item["category"],
                    source=item.get("source", ""),
                    description=item.get("description", ""),
                )
            except ValidationError as exc:
                field, messages = next(iter(exc.message_dict.items()))
                raise ImportRefused(
                    f"resources[“{item['slug']}”].{field}: {' '.join(messages)}"
                ) from exc
        found[item["slug"]] = resource
    return found


def _import_into(series: Series, data: dict, resources: dict[str, Resource]) -> bool:
    changed = False
    if _assign(
        series,
        {
            "title": data["title"],
            "provider": data.get("provider", ""),
            "summary": data.get("summary", ""),
            "topics": data.get("topics", []),
            "credit_hours": Decimal(str(data.get("credit_hours", "0"))),
            "credit_type": data.get("credit_type", ""),
        },
    ):
        _save(series, "series")
        changed = True

    existing_modules = {m.slug: m for m in series.modules.all()}
    _park_for_file(existing_modules, [m["slug"] for m in data["modules"]])
    modules: dict[str, Module] = {}
    for i, mdata in enumerate(data["modules"]):
        module = existing_modules.get(mdata["slug"]) or Module(series=series, slug=mdata["slug"])
        if _assign(
            module,
            {
                "title": mdata["title"],
                "position": i + 1,
                "summary": mdata.get("summary", ""),
                "topics": mdata.get("topics", []),
                "objectives": mdata.get("objectives", []),
                "estimated_minutes": mdata.get("estimated_minutes", 0),
                "content_advisory": mdata.get("content_advisory", ""),
                "archived_at": None,  # named in the file: live again if an author had removed it
            },
        ):
            _save(module, f"series.modules[{i}]")
            changed = True
        modules[module.slug] = module
        changed |= _import_components(
            module, mdata["components"], resources, where=f"series.modules[{i}]"
        )
    for i, mdata in enumerate(data["modules"]):
        module = modules[mdata["slug"]]
        wanted = [modules[slug] for slug in mdata.get("prerequisites", [])]
        if set(module.prerequisites.values_list("pk", flat=True)) != {m.pk for m in wanted}:
            try:
                _set_prerequisites(module, wanted)
            except ContentRefused as exc:
                raise ImportRefused(f"series.modules[{i}].prerequisites: {exc}") from exc
            changed = True
    # The status last: the guards judge the series as the file leaves it.
    status = data.get("status", Series.Status.DRAFT)
    if series.status != status:
        if status == Series.Status.DRAFT and series.enrollments.exists():
            raise ImportRefused(
                "series.status: learners are enrolled in this series; it cannot go back to draft"
            )
        Series.objects.filter(pk=series.pk).update(status=status, updated_at=timezone.now())
        series.status = status
        changed = True
    return changed


def _assign(instance: Model, values: dict[str, Any]) -> bool:
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    return bool(changed) or instance.pk is None


def _save(instance: Model, where: str) -> None:
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ImportRefused(f"{where}.{field}: {' '.join(messages)}") from exc
    instance.save()


def _park_for_file(existing: dict[str, Any], wanted: list[str]) -> None:
    """Before numbering the rows in the file's order, park the rows it places and the live rows
    it leaves out. Archived rows the file does not name keep their place out of the live order.
    Nothing moves when the file keeps the order there is."""
    positions = {slug: i + 1 for i, slug in enumerate(wanted)}
    rows = [
        row
        for slug, row in existing.items()
        if slug in positions or getattr(row, "archived_at", None) is None
    ]
    if any(positions.get(row.slug) != row.position for row in rows):
        _park(type(rows[0]), [row.pk for row in rows])
        for row in rows:  # as the UPDATE left them, without reading each row back
            row.position += PARKING_OFFSET


def _video_name(name: str) -> str:
    """Copy a shipped video into media storage once; returns its storage name."""
    stored = f"videos/{name}"
    if not default_storage.exists(stored):
        with (MEDIA_DIR / name).open("rb") as handle:
            saved = default_storage.save(stored, File(handle, name=name))
        assert saved == stored, saved
    return stored


def _captions_name(name: str) -> str:
    """Copy a shipped captions file into media storage once; returns its storage name (the
    file was read and checked by ``courses.importing``)."""
    stored = f"captions/{name}"
    if not default_storage.exists(stored):
        data = captions_source(name)
        assert data is not None, name
        saved = default_storage.save(stored, ContentFile(data, name=name))
        assert saved == stored, saved
    return stored


def _import_components(
    module: Module, components: list[dict], resources: dict[str, Resource], *, where: str
) -> bool:
    changed = False
    existing = {c.slug: c for c in module.components.all()} if module.pk else {}
    _park_for_file(existing, [c["slug"] for c in components])
    named = [c["resource"] for c in components if c.get("resource")]
    by_slug = {r.slug: r for r in Resource.objects.filter(slug__in=named)}
    by_slug.update({slug: r for slug, r in resources.items() if slug in named})
    for j, cdata in enumerate(components):
        component = existing.get(cdata["slug"]) or Component(module=module, slug=cdata["slug"])
        values: dict[str, Any] = {
            "title": cdata["title"],
            "position": j + 1,
            "kind": cdata["kind"],
            "required": cdata.get("required", True),
            "description": cdata.get("description", ""),
            "body": cdata.get("body", ""),
            "duration_seconds": cdata.get("duration_seconds"),
            "completion_threshold": cdata.get("completion_threshold"),
            "resource": by_slug.get(cdata.get("resource") or ""),
            "pass_mark": cdata.get("pass_mark"),
            "max_attempts": cdata.get("max_attempts") or 0,
            "shuffle": cdata.get("shuffle", False),
            "anonymous": cdata.get("anonymous", False),
            "certificate_title": cdata.get("certificate_title", ""),
            "certificate_signatory": cdata.get("certificate_signatory", ""),
            "archived_at": None,  # named in the file: live again if an author had removed it
        }
        if cdata["kind"] == Component.Kind.VIDEO:
            values["video_file"] = _video_name(cdata["video_file"])
            captions = cdata.get("captions_file", "")
            values["captions_file"] = _captions_name(captions) if captions else ""
            values["captions_language"] = cdata.get("captions_language", "en")
            values["transcript"] = cdata.get("transcript", "")
            values["no_speech"] = cdata.get("no_speech", False)
        if _assign(component, values):
            _save(component, f"{where}.components[{j}]")
            changed = True
        changed |= _import_questions(
            component, cdata.get("questions", []), where=f"{where}.components[{j}]"
        )
    return changed


def _import_questions(component: Component, questions: list[dict], *, where: str) -> bool:
    """Questions by slug, choices by position. Records are kept: a question or choice learners
    answered cannot be removed by a file (refused, naming it); the file may reword it."""
    changed = False
    existing = {q.slug: q for q in component.questions.prefetch_related("choices")}
    wanted = {q["slug"] for q in questions}
    for slug, question in existing.items():
        if slug not in wanted:
            if question_has_answers(question):
                raise ImportRefused(
                    f"{where}.questions: “{slug}” was answered by learners and cannot be left out"
                )
            question.delete()
            changed = True
    existing = {slug: q for slug, q in existing.items() if slug in wanted}
    _park_for_file(existing, [q["slug"] for q in questions])
    for k, qdata in enumerate(questions):
        qwhere = f"{where}.questions[{k}]"
        question = existing.get(qdata["slug"]) or Question(component=component, slug=qdata["slug"])
        if _assign(
            question,
            {
                "position": k + 1,
                "kind": qdata["kind"],
                "text": qdata["text"],
                "explanation": qdata.get("explanation", ""),
                "required": qdata.get("required", True),
            },
        ):
            _save(question, qwhere)
            changed = True
        current = list(question.choices.order_by("position")) if question.pk else []
        for c, cdata in enumerate(qdata.get("choices", [])):
            choice = current[c] if c < len(current) else Choice(question=question, position=c + 1)
            if _assign(choice, {"text": cdata["text"], "is_correct": cdata.get("correct", False)}):
                _save(choice, f"{qwhere}.choices[{c}]")
                changed = True
        kept = len(qdata.get("choices", []))
        picked = picked_choice_ids(question) if current[kept:] else set()
        for c, extra in enumerate(current[kept:], start=kept):
            if extra.pk in picked:
                raise ImportRefused(
                    f"{qwhere}.choices[{c}]: learners picked “{extra.text}”; it cannot be removed"
                )
            extra.delete()
            changed = True
    return changed
