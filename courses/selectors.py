"""Reads for learner pages. Each takes the asking user and returns only what they may see."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from courses import completion
from courses.models import (
    AdvisoryAcknowledgement,
    Component,
    Enrollment,
    Module,
    ModuleCompletion,
    Progress,
    Series,
    live_modules_q,
)


def series_visible_to(*, user: User) -> QuerySet[Series]:
    """Published series, plus archived ones the learner is or was enrolled in."""
    enrolled = Enrollment.objects.filter(series=OuterRef("pk"), user=user)
    return Series.objects.filter(
        Q(status=Series.Status.PUBLISHED)
        | Q(status=Series.Status.ARCHIVED, pk__in=enrolled.values("series"))
    )


SEARCH_WORDS = 8  # words of a search that count; the rest are ignored


def _series_matching(series: QuerySet[Series], query: str) -> QuerySet[Series]:
    """Series with every word of ``query`` in their title, summary, provider or topics, or in
    the title or summary of one of their live modules: one condition of the same query."""
    for word in query.split()[:SEARCH_WORDS]:
        in_module = Module.objects.filter(live_modules_q(), series=OuterRef("pk")).filter(
            Q(title__icontains=word) | Q(summary__icontains=word)
        )
        series = series.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(provider__icontains=word)
            | Q(topics__icontains=word)
            | Exists(in_module)
        )
    return series


def series_catalogue(*, user: User, query: str = "") -> list[Series]:
    """Published series with their module count and, as ``my_enrollment``, the learner's cycle;
    with ``query``, only those matching every word of it (``_series_matching``). Two queries
    whatever the number of series."""
    series_list: list[Series] = list(
        _series_matching(Series.objects.filter(status=Series.Status.PUBLISHED), query)
        .annotate(module_count=Count("modules", filter=live_modules_q("modules__"), distinct=True))
        .order_by("title")
    )
    mine = _latest_enrollments(user=user, series_ids=[s.pk for s in series_list])
    for series in series_list:
        series.my_enrollment = mine.get(series.pk)
    return series_list


def _latest_enrollments(*, user: User, series_ids: list[int]) -> dict[int, Enrollment]:
    latest: dict[int, Enrollment] = {}
    for enrollment in Enrollment.objects.filter(user=user, series_id__in=series_ids).order_by(
        "series_id", "cycle"
    ):
        latest[enrollment.series_id] = enrollment
    return latest


def enrollments_for_home(*, user: User) -> list[Enrollment]:
    """The learner's latest cycle of every series, unfinished and soonest due first. A completed
    cycle of a recurring assignment says when its refresher is due (``refresher_due``)."""
    from courses.assignments import refresher_due

    enrollments = list(
        Enrollment.objects.filter(user=user, is_current=True).select_related("series", "assignment")
    )
    for enrollment in enrollments:
        assignment = enrollment.assignment
        months = (
            assignment.recurrence_months
            if assignment is not None and not assignment.is_cancelled
            else None
        )
        enrollment.refresher_due = (
            refresher_due(completed_on=timezone.localdate(enrollment.completed_at), months=months)
            if enrollment.completed_at and months
            else None
        )
    enrollments.sort(
        key=lambda e: (e.completed_at is not None, e.due_on is None, e.due_on, e.series.title)
    )
    return enrollments


@dataclass
class ModuleState:
    module: Module
    components: list[Component]
    locked: bool
    completed: bool
    completed_count: int
    required_count: int
    needs_advisory: bool
    missing_prerequisites: list[Module] = field(default_factory=list)

    @property
    def percent(self) -> int:
        if self.completed:
            return 100
        return 100 * self.completed_count // self.required_count if self.required_count else 0


@dataclass
class Outline:
    """A series as one learner sees it: modules in order, lock state and their progress."""

    series: Series
    enrollment: Enrollment | None
    modules: list[ModuleState]
    progress: dict[int, Progress]

    def module_state(self, module_id: int) -> ModuleState | None:
        return next((m for m in self.modules if m.module.pk == module_id), None)

    def next_in_module(self, state: ModuleState) -> Component | None:
        """The module's first component the learner has not completed, else its first."""
        for component in state.components:
            progress = self.progress.get(component.pk)
            if progress is None or not progress.is_complete:
                return component
        return next(iter(state.components), None)

    def remaining_required(self) -> list[Component]:
        """The live required components the learner has still to complete, in order."""
        return [
            component
            for state in self.modules
            for component in state.components
            if component.required
            and not (
                (progress := self.progress.get(component.pk)) is not None and progress.is_complete
            )
        ]

    def next_component(self) -> Component | None:
        """Where “resume” goes: the first incomplete component of an open module, in order."""
        fallback = None
        for state in self.modules:
            if state.locked:
                continue
            for component in state.components:
                progress = self.progress.get(component.pk)
                if progress is None or not progress.is_complete:
                    if component.required:
                        return component
                    fallback = fallback or component
        return fallback


def module_state_or_404(*, outline: Outline, module_slug: str) -> ModuleState:
    """The live module of the outline that the URL names; 404 for any other slug."""
    for state in outline.modules:
        if state.module.slug == module_slug:
            return state
    raise Http404("No such module.")


def component_or_404(*, state: ModuleState, component_slug: str) -> Component:
    """The live component of the module that the URL names; 404 for any other slug."""
    for component in state.components:
        if component.slug == component_slug:
            return component
    raise Http404("No such component.")


def live_modules(series: Series) -> list[Module]:
    """The series' modules as learners meet them: in order, with their live components and
    prerequisites; archived ones left out. Three queries."""
    return list(
        Module.objects.live()
        .filter(series=series)
        .order_by("position")
        .prefetch_related(
            Prefetch(
                "components",
                queryset=Component.objects.unarchived()
                .select_related("resource")
                .order_by("position"),
            ),
            Prefetch(
                "prerequisites",
                queryset=Module.objects.live().order_by("position"),
            ),
        )
    )


def series_outline(*, user: User, series: Series) -> Outline:
    """Everything the series, module and component pages need, in a fixed number of queries."""
    modules = live_modules(series)
    for module in modules:
        module.series = series  # links read module.series: reuse the series, not a query each
    enrollment = Enrollment.objects.filter(user=user, series=series).order_by("-cycle").first()
    progress: dict[int, Progress] = {}
    completed_modules: set[int] = set()
    if enrollment is not None:
        progress = {p.component_id: p for p in Progress.objects.filter(enrollment=enrollment)}
        completed_modules = set(
            ModuleCompletion.objects.filter(enrollment=enrollment).values_list(
                "module_id", flat=True
            )
        )
    acknowledged = set(
        AdvisoryAcknowledgement.objects.filter(user=user, module__series=series).values_list(
            "module_id", flat=True
        )
    )
    done = {pk for pk, p in progress.items() if p.is_complete}
    is_open = enrollment is None or enrollment.completed_at is None
    # The completion rule (courses.completion): a module counts as complete only while all its
    # live required components are done (or, once the series is completed, by its record).
    needs = {m.pk: frozenset(c.pk for c in m.components.all() if c.required) for m in modules}
    complete = {
        pk: completion.module_complete(
            required, done, recorded=pk in completed_modules, enrollment_open=is_open
        )
        for pk, required in needs.items()
    }
    states = []
    for module in modules:
        components = list(module.components.all())
        required = [c for c in components if c.required]
        # A prerequisite that requires nothing holds nobody back.
        missing = [p for p in module.prerequisites.all() if needs.get(p.pk) and not complete[p.pk]]
        states.append(
            ModuleState(
                module=module,
                components=components,
                locked=bool(missing),
                completed=complete[module.pk],
                completed_count=sum(1 for c in required if c.pk in done),
                required_count=len(required),
                needs_advisory=bool(module.content_advisory) and module.pk not in acknowledged,
                missing_prerequisites=missing,
            )
        )
    return Outline(series=series, enrollment=enrollment, modules=states, progress=progress)
