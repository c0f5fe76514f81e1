"""Writes of the author's studio: series, modules and components, their order and status.

Rules kept here:
- What a learner must complete changes only with a new content version (series and module);
  completions record the version they were earned under and are never undone.
- Removing a module or component that learners worked in archives it (kept for their records,
  shown to nobody); only untouched content is deleted.
- Positions stay a gap-free 1..n among live rows; archived rows move out of the way.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone

from courses.models import (
    Component,
    Module,
    ModuleCompletion,
    Progress,
    QuizAttempt,
    Series,
    SurveyResponse,
)
from lms.slugs import unique_slug
from studio.errors import StudioRefused
from studio.ordering import ARCHIVED_POSITION, move, next_position, renumber, reorder


def _bump(*, series_id: int, module_id: int | None = None) -> None:
    """A new content version: of the module (if given) and of its series."""
    if module_id is not None:
        Module.objects.filter(pk=module_id).update(version=F("version") + 1)
    Series.objects.filter(pk=series_id).update(version=F("version") + 1)


def _refresh_learners(series_id: int) -> None:
    """Bring open enrollments' summaries in line with the new content, after commit."""
    from courses.tasks import refresh_series_enrollments

    refresh_series_enrollments.delay_on_commit(series_id)


def save_valid(instance: Model) -> Model:
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def series_create(*, title: str, **fields) -> Series:
    """A new draft series; the slug comes from the title when none is given."""
    slug = fields.pop("slug", "") or unique_slug(title, Series.objects.all(), fallback="series")
    return save_valid(Series(title=title, slug=slug, status=Series.Status.DRAFT, **fields))


@transaction.atomic
def series_set_status(*, series: Series, status: str) -> Series:
    """Publish, archive or take back to draft. A series is published only with content."""
    if status not in Series.Status.values:
        raise StudioRefused("Unknown status.")
    if status == Series.Status.PUBLISHED:
        live = Component.objects.filter(
            module__series=series, module__archived_at__isnull=True, archived_at__isnull=True
        )
        if not live.exists():
            raise StudioRefused("Add at least one module with a component before publishing.")
    if status == Series.Status.DRAFT and series.enrollments.exists():
        raise StudioRefused(
            "Learners are enrolled in this series: archive it instead of taking it back to draft."
        )
    Series.objects.filter(pk=series.pk).update(status=status, updated_at=timezone.now())
    series.status = status
    return series


@transaction.atomic
def module_create(
    *, series: Series, title: str, prerequisites: Sequence[Module] = (), **fields
) -> Module:
    """A module at the end of the series. Learners part-way through will need it too."""
    Series.objects.select_for_update().get(pk=series.pk)  # one writer of positions at a time
    slug = fields.pop("slug", "") or unique_slug(title, series.modules.all(), fallback="module")
    module = save_valid(
        Module(
            series=series,
            title=title,
            slug=slug,
            position=next_position(series.modules.all()),
            **fields,
        )
    )
    module.prerequisites.set(prerequisites)
    _bump(series_id=series.pk)
    _refresh_learners(series.pk)
    return module


@transaction.atomic
def module_update(
    *, module: Module, prerequisites: Sequence[Module] | None = None, **fields
) -> Module:
    for name, value in fields.items():
        setattr(module, name, value)
    save_valid(module)
    if prerequisites is not None:
        wanted = {m.pk for m in prerequisites}
        if any(m.series_id != module.series_id or m.pk == module.pk for m in prerequisites):
            raise StudioRefused("A module can only build on other modules of its series.")
        if _creates_cycle(module, wanted):
            raise StudioRefused("That would make modules wait on each other in a circle.")
        module.prerequisites.set(wanted)
    return module


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
    reorder(series.modules.filter(archived_at__isnull=True), ordered_ids)


@transaction.atomic
def module_move(*, module: Module, direction: str) -> None:
    move(module.series.modules.filter(archived_at__isnull=True), module.pk, direction)


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
    series = Series.objects.select_for_update().get(pk=module.series_id)
    if module_has_records(module):
        Module.objects.filter(pk=module.pk).update(
            archived_at=timezone.now(), position=ARCHIVED_POSITION + module.pk
        )
        Component.objects.filter(module=module, archived_at__isnull=True).update(
            archived_at=timezone.now()
        )
        outcome = "archived"
    else:
        # No learner record points here: questions and choices of its quizzes go with it.
        module.delete()
        outcome = "deleted"
    live = list(series.modules.filter(archived_at__isnull=True).order_by("position"))
    if live:
        renumber(live, [m.pk for m in live])
    _bump(series_id=series.pk)
    _refresh_learners(series.pk)
    return outcome


@transaction.atomic
def component_create(*, module: Module, kind: str, title: str, **fields) -> Component:
    """A component at the end of the module. A required one is a new content version: learners
    who completed the module stay complete, the others need it."""
    Module.objects.select_for_update().get(pk=module.pk)
    slug = fields.pop("slug", "") or unique_slug(title, module.components.all(), fallback=kind)
    if kind == Component.Kind.CERTIFICATE:
        fields["required"] = False
    component = save_valid(
        Component(
            module=module,
            kind=kind,
            title=title,
            slug=slug,
            position=next_position(module.components.all()),
            **fields,
        )
    )
    if component.required:
        _bump(series_id=module.series_id, module_id=module.pk)
        _refresh_learners(module.series_id)
    return component


@transaction.atomic
def component_update(*, component: Component, **fields) -> Component:
    # Compared with the stored row: a bound form may have changed the instance already.
    was_required, was_anonymous = Component.objects.values_list("required", "anonymous").get(
        pk=component.pk
    )
    if (
        was_anonymous
        and fields.get("anonymous", component.anonymous) is False
        and SurveyResponse.objects.filter(component=component).exists()
    ):
        raise StudioRefused(
            "People answered this survey anonymously: it cannot stop being anonymous."
        )
    for name, value in fields.items():
        setattr(component, name, value)
    save_valid(component)
    if component.required != was_required:
        _bump(series_id=component.module.series_id, module_id=component.module_id)
        _refresh_learners(component.module.series_id)
    return component


@transaction.atomic
def components_reorder(*, module: Module, ordered_ids: Sequence[int]) -> None:
    reorder(module.components.filter(archived_at__isnull=True), ordered_ids)


@transaction.atomic
def component_move(*, component: Component, direction: str) -> None:
    move(component.module.components.filter(archived_at__isnull=True), component.pk, direction)


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
    module = Module.objects.select_for_update().get(pk=component.module_id)
    was_required = component.required
    if component_has_records(component):
        Component.objects.filter(pk=component.pk).update(
            archived_at=timezone.now(), position=ARCHIVED_POSITION + component.pk
        )
        outcome = "archived"
    else:
        component.delete()
        outcome = "deleted"
    live = list(module.components.filter(archived_at__isnull=True).order_by("position"))
    if live:
        renumber(live, [c.pk for c in live])
    if was_required:
        _bump(series_id=module.series_id, module_id=module.pk)
        _refresh_learners(module.series_id)
    return outcome
