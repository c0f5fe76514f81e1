"""The completion rule, written once. Every completion of a module or a series is recorded here.

- A component is *live* when neither it nor its module is archived.
- An open enrollment is **complete** when its series has at least one live required component
  and every live required component is complete for it (a completed progress row in that
  enrollment cycle). Nothing else completes a series: not modules, not optional components.
- A module with no live required component records no completion and counts for nothing: it is
  never "done", and never holds a learner back as another module's prerequisite.
- A module completion earned earlier stays on record (with the module version it was earned
  under), but for an open enrollment a module whose requirements have grown since counts as
  incomplete until the new components are done. For a completed enrollment the record counts.
- A completed enrollment is a fact: never reopened, its date never moved, its percent 100.
- ``percent_complete`` of an open enrollment = completed live required components / live
  required components, rounded down (0 while the series requires nothing);
  ``components_completed`` is the numerator.

Two writers apply the rule: ``enrollment_refresh`` for one learner after a completion (under the
enrollment's row lock), and ``enrollments_refresh`` for every open enrollment of a series after
its content changed (set-based, a fixed number of statements per batch, each batch under the
batch's row locks). The Hypothesis state machine in tests/courses/test_completion_machine.py
checks that they agree with the rule after any sequence of author and learner actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

from courses.models import Component, Enrollment, Module, ModuleCompletion, Progress, Series

COMPLETED = Progress.State.COMPLETED


@dataclass(frozen=True)
class Requirements:
    """What a series requires now: its live modules' live required components."""

    by_module: dict[int, frozenset[int]]  # only modules with at least one required component
    module_versions: dict[int, int]

    @property
    def all(self) -> frozenset[int]:
        return frozenset().union(*self.by_module.values())


def requirements(*, series_id: int) -> Requirements:
    """The series' live required components by module. One query."""
    by_module: dict[int, set[int]] = {}
    versions: dict[int, int] = {}
    rows = (
        Component.objects.live()
        .filter(module__series_id=series_id, required=True)
        .values_list("pk", "module_id", "module__version")
    )
    for pk, module_id, version in rows:
        by_module.setdefault(module_id, set()).add(pk)
        versions[module_id] = version
    return Requirements(
        by_module={k: frozenset(v) for k, v in by_module.items()}, module_versions=versions
    )


def module_complete(
    required: frozenset[int], done: set[int], *, recorded: bool, enrollment_open: bool
) -> bool:
    """Whether a module counts as complete for an enrollment, by the rule above."""
    if not required:
        return False
    return required <= done or (recorded and not enrollment_open)


def module_unlocked(*, enrollment: Enrollment, module: Module) -> bool:
    """Every live prerequisite of the module that requires something is complete in this
    enrollment. One query."""
    blocking = (
        Component.objects.unarchived()
        .filter(
            module__in=module.prerequisites.live(),
            required=True,
        )
        .filter(
            ~Exists(
                Progress.objects.filter(
                    enrollment=enrollment, component=OuterRef("pk"), state=COMPLETED
                )
            )
        )
    )
    if enrollment.completed_at is not None:
        blocking = blocking.exclude(
            Exists(
                ModuleCompletion.objects.filter(enrollment=enrollment, module=OuterRef("module"))
            )
        )
    return not blocking.exists()


def series_completed(*, enrollment_ids: list[int], now: datetime) -> None:
    """Call what follows a series completion, in the completion's own transaction: each function
    named in ``settings.LMS_SERIES_COMPLETED`` (today the certificates' issue). A setting names
    it because ``courses`` sits below ``certificates`` and may not import it."""
    if enrollment_ids:
        for path in settings.LMS_SERIES_COMPLETED:
            import_string(path)(enrollment_ids=enrollment_ids, now=now)


def _record_module_completions(
    pairs: list[tuple[int, int]], needs: Requirements, now: datetime
) -> None:
    """Record (enrollment, module) completions with the module's version; one that exists
    already is kept as it was."""
    ModuleCompletion.objects.bulk_create(
        [
            ModuleCompletion(
                enrollment_id=enrollment_id,
                module_id=module_id,
                completed_at=now,
                content_version=needs.module_versions[module_id],
            )
            for enrollment_id, module_id in pairs
        ],
        ignore_conflicts=True,
    )


def enrollment_refresh(
    enrollment: Enrollment, now: datetime, *, module: Module | None = None
) -> tuple[bool, bool]:
    """Apply the rule to one enrollment, locked by the caller: record the module completions it
    has newly earned, its summary, and its completion. Returns (``module`` newly completed,
    series newly completed). Recorded completions are never undone. Four queries."""
    needs = requirements(series_id=enrollment.series_id)
    done = set(
        Progress.objects.filter(enrollment=enrollment, state=COMPLETED).values_list(
            "component_id", flat=True
        )
    )
    recorded = set(
        ModuleCompletion.objects.filter(enrollment=enrollment).values_list("module_id", flat=True)
    )
    newly_done = [
        module_id
        for module_id, required in needs.by_module.items()
        if module_id not in recorded and required <= done
    ]
    _record_module_completions([(enrollment.pk, m) for m in newly_done], needs, now)
    required = needs.all
    newly_completed = False
    fields = ["components_completed", "percent_complete"]
    if enrollment.completed_at is None:
        enrollment.components_completed = len(required & done)
        enrollment.percent_complete = (
            100 * enrollment.components_completed // len(required) if required else 0
        )
        if required and required <= done:
            enrollment.completed_at = now
            enrollment.percent_complete = 100
            enrollment.completed_version = Series.objects.values_list("version", flat=True).get(
                pk=enrollment.series_id
            )
            fields += ["completed_at", "completed_version"]
            newly_completed = True
        enrollment.save(update_fields=fields)
        if newly_completed:
            series_completed(enrollment_ids=[enrollment.pk], now=now)
    return module is not None and module.pk in newly_done, newly_completed


def enrollments_refresh(*, series_id: int, batch: int = 2000, now: datetime | None = None) -> int:
    """Apply the rule to every open enrollment of the series, after its content changed.

    Set-based: per batch of enrollments (locked in id order, as a learner's own write locks its
    enrollment), one UPDATE for the counts, one INSERT per module with new completions, one
    UPDATE for the completions; the same statements for 10 or 100,000 learners. Completed
    enrollments are not touched. Returns how many open enrollments were looked at.
    """
    now = now or timezone.now()
    needs = requirements(series_id=series_id)
    required = sorted(needs.all)
    version = Series.objects.values_list("version", flat=True).get(pk=series_id)
    completed_required = (
        Progress.objects.filter(
            enrollment=OuterRef("pk"), state=COMPLETED, component_id__in=required
        )
        .order_by()
        .values("enrollment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    seen = 0
    last_id = 0
    while True:
        with transaction.atomic():
            ids = list(
                Enrollment.objects.select_for_update()
                .filter(series_id=series_id, completed_at__isnull=True, pk__gt=last_id)
                .order_by("pk")
                .values_list("pk", flat=True)[:batch]
            )
            if not ids:
                return seen
            rows = Enrollment.objects.filter(pk__in=ids)
            if not required:
                rows.update(components_completed=0, percent_complete=0)
            else:
                rows.update(components_completed=Coalesce(Subquery(completed_required), Value(0)))
                rows.update(percent_complete=F("components_completed") * 100 / len(required))
                for module_id, module_required in needs.by_module.items():
                    earned = (
                        rows.exclude(module_completions__module_id=module_id)
                        .annotate(
                            n=Count(
                                "progress",
                                filter=Q(
                                    progress__state=COMPLETED,
                                    progress__component_id__in=module_required,
                                ),
                            )
                        )
                        .filter(n=len(module_required))
                        .values_list("pk", flat=True)
                    )
                    _record_module_completions([(pk, module_id) for pk in earned], needs, now)
                finished = list(
                    rows.filter(components_completed=len(required)).values_list("pk", flat=True)
                )
                Enrollment.objects.filter(pk__in=finished).update(
                    completed_at=now, completed_version=version, percent_complete=100
                )
                series_completed(enrollment_ids=finished, now=now)
        seen += len(ids)
        last_id = ids[-1]
