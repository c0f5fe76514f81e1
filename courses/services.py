"""Writes for enrollments and progress. Views and forms call these; they hold the rules."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from courses import watched
from courses.completion import enrollment_refresh, module_unlocked
from courses.models import (
    AdvisoryAcknowledgement,
    Component,
    Enrollment,
    Module,
    Progress,
    Series,
)

ACTIVITY_RESOLUTION = timedelta(minutes=1)


class ProgressRefused(Exception):
    """The learner may not record progress here; the message says why, in their words."""


@dataclass(frozen=True)
class ProgressResult:
    progress: Progress
    enrollment: Enrollment
    component_completed: bool  # completed by this very call
    module_completed: bool
    series_completed: bool


def enrollment_current(*, user: User, series: Series) -> Enrollment | None:
    """The learner's latest cycle of the series, open or completed."""
    return Enrollment.objects.filter(user=user, series=series).order_by("-cycle").first()


@transaction.atomic
def enrollment_create(
    *,
    user: User,
    series: Series,
    source: str = Enrollment.Source.SELF,
    due_on: date | None = None,
) -> Enrollment:
    """Enrol the learner in a published series; returns the existing cycle if there is one.

    Idempotent: a repeated or concurrent request never makes a second open cycle (the database's
    partial unique constraint guarantees it).
    """
    if series.status != Series.Status.PUBLISHED:
        raise ProgressRefused(gettext("This series is not open for enrollment."))
    existing = enrollment_current(user=user, series=series)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Enrollment.objects.create(user=user, series=series, source=source, due_on=due_on)
    except IntegrityError:
        return Enrollment.objects.get(user=user, series=series, completed_at__isnull=True)


def advisory_acknowledge(*, user: User, module: Module) -> AdvisoryAcknowledgement:
    """Record that the learner read the module's content advisory. Idempotent."""
    try:
        with transaction.atomic():
            ack, _ = AdvisoryAcknowledgement.objects.get_or_create(user=user, module=module)
    except IntegrityError:
        ack = AdvisoryAcknowledgement.objects.get(user=user, module=module)
    return ack


def advisory_cleared(*, user: User, module: Module) -> bool:
    """True when the module has no content advisory or the learner has acknowledged it."""
    if not module.content_advisory:
        return True
    return AdvisoryAcknowledgement.objects.filter(user=user, module=module).exists()


def progress_for_update(*, user: User, component: Component, now: datetime) -> Progress:
    """The learner's progress row for the component in their latest cycle, locked.

    Locks are always taken progress row first, then (to refresh the summary) the enrollment
    row, so concurrent requests queue instead of deadlocking. The row is created once, when the
    learner first opens a component of an unlocked module whose content advisory (if it has
    one) they have acknowledged. Guarding the creation is enough: no row, no progress, so the
    heartbeat on an existing row pays nothing for the advisory.
    """
    series_id = component.module.series_id
    latest = (
        Enrollment.objects.filter(user=user, series_id=series_id)
        .order_by("-cycle")
        .values("pk")[:1]
    )
    locked = Progress.objects.select_for_update(of=("self",)).select_related("enrollment")
    progress = locked.filter(enrollment_id=Subquery(latest), component=component).first()
    if progress is not None:
        # Prerequisites may be added after the learner began: the module is then locked here too.
        if not module_unlocked(enrollment=progress.enrollment, module=component.module):
            raise ProgressRefused(gettext("Complete the modules this one builds on first."))
        return progress
    enrollment = (
        Enrollment.objects.filter(user=user, series_id=series_id).order_by("-cycle").first()
    )
    if enrollment is None:
        raise ProgressRefused(gettext("Enroll in this series to record your progress."))
    if not module_unlocked(enrollment=enrollment, module=component.module):
        raise ProgressRefused(gettext("Complete the modules this one builds on first."))
    if not advisory_cleared(user=user, module=component.module):
        raise ProgressRefused(
            gettext(
                "This module begins with a content advisory. Please read it on the module's page "
                "before you start."
            )
        )
    # ON CONFLICT DO NOTHING: a concurrent first request may insert the same row; both go on.
    Progress.objects.bulk_create(
        [Progress(enrollment=enrollment, component=component, clock_at=now, started_at=now)],
        ignore_conflicts=True,
    )
    return locked.get(enrollment=enrollment, component=component)


@transaction.atomic
def progress_start(*, user: User, component: Component, now: datetime | None = None) -> Progress:
    """Mark that the learner opened the component: it is in progress and its clock restarts.

    Creates the progress row once; completed components stay completed.
    """
    now = now or timezone.now()
    progress = progress_for_update(user=user, component=component, now=now)
    if progress.clock_at != now:
        progress.clock_at = now
        progress.save(update_fields=["clock_at", "updated_at"])
    _enrollment_touch(progress.enrollment, now)
    return progress


def _watched_credit(
    *,
    before: list,
    clock_at: datetime | None,
    reported: Sequence[Sequence[float]],
    duration: int,
    now: datetime,
) -> tuple[list, int]:
    """The watched ranges and percent after a video report: distinct seconds credited no faster
    than the wall clock since ``clock_at`` allows at the maximum playback rate (plus a slack)."""
    elapsed = (now - clock_at).total_seconds() if clock_at else 0
    budget = math.floor(
        max(0.0, elapsed) * settings.LMS_VIDEO_MAX_PLAYBACK_RATE
        + settings.LMS_VIDEO_REPORT_SLACK_SECONDS
    )
    normalised = watched.normalise(reported, duration=duration)
    ranges, _credited = watched.credit(before, normalised, budget=budget)
    return ranges, min(100, 100 * watched.total(ranges) // duration)


def _resume_position(position: float | None, duration: int) -> float | None:
    """The resume position a report gives, within the video; None when it gives none."""
    if position is None or not math.isfinite(position):
        return None
    return min(max(0.0, float(position)), float(duration))


@transaction.atomic
def progress_record(
    *,
    user: User,
    component: Component,
    watched_ranges: Sequence[Sequence[float]] | None = None,
    position: float | None = None,
    now: datetime | None = None,
) -> ProgressResult:
    """Record what the learner did in a component and complete it when its rule is met.

    - document and resource: the call itself completes it (“I have read this”, opened the link);
    - video: credits distinct watched seconds, no faster than the wall clock allows at the
      maximum playback rate, and completes at the component's threshold; keeps the resume position.

    Idempotent and safe under concurrent requests: the progress row is locked for the transaction,
    and the enrollment row too when a completion changes its summary. A completion, once
    recorded, is never undone. Module and series completion follow.
    """
    now = now or timezone.now()
    progress = progress_for_update(user=user, component=component, now=now)
    was_complete = progress.is_complete
    fields = ["updated_at"]

    if component.kind == Component.Kind.VIDEO:
        duration = component.duration_seconds or 0
        if watched_ranges:
            progress.watched_ranges, progress.percent = _watched_credit(
                before=progress.watched_ranges,
                clock_at=progress.clock_at,
                reported=watched_ranges,
                duration=duration,
                now=now,
            )
            progress.clock_at = now
            fields += ["watched_ranges", "clock_at", "percent"]
        at = _resume_position(position, duration)
        if at is not None:
            progress.position_seconds = at
            fields.append("position_seconds")
        if not was_complete and progress.percent >= component.threshold:
            progress.state = Progress.State.COMPLETED
    elif component.kind in (Component.Kind.DOCUMENT, Component.Kind.RESOURCE):
        if not was_complete:
            progress.state = Progress.State.COMPLETED
            progress.percent = 100
    else:
        raise ProgressRefused(
            gettext("This kind of component records its progress on its own page.")
        )

    return progress_finish(
        progress=progress, component=component, fields=fields, was_complete=was_complete, now=now
    )


@dataclass(frozen=True)
class HeartbeatPlan:
    """What the heartbeat needs of a component, found by its URL's slugs: a live video of a
    series that is not a draft, and the live required components of its module's live
    prerequisites. Kept per process (``_plans``) and checked, in the statement that reads the
    learner's row, against the series' ``content_token``, which every content change renews."""

    component_id: int
    series_id: int
    token: int
    duration: int
    threshold: int
    prerequisites: tuple[int, ...]


_plans: dict[tuple[str, str, str], HeartbeatPlan] = {}
_PLANS_KEPT = 4096  # components; past that the table starts again (a few hundred bytes each)


def heartbeat_plan(
    series_slug: str, module_slug: str, component_slug: str, *, cached: bool = True
) -> HeartbeatPlan | None:
    """The component's plan, from the table (``cached``) or, in two queries, from the database;
    None for anything but a live video with a duration in a series that is not a draft."""
    key = (series_slug, module_slug, component_slug)
    plan = _plans.get(key) if cached else None
    if plan is not None:
        return plan
    _plans.pop(key, None)
    found = (
        Component.objects.live()
        .filter(
            kind=Component.Kind.VIDEO,
            slug=component_slug,
            module__slug=module_slug,
            module__series__slug=series_slug,
        )
        .exclude(module__series__status=Series.Status.DRAFT)
        .values(
            "pk",
            "module_id",
            "duration_seconds",
            "completion_threshold",
            "module__series_id",
            "module__series__content_token",
        )
        .first()
    )
    if found is None or not found["duration_seconds"]:
        return None
    prerequisites = (
        Component.objects.unarchived()
        .filter(required=True, module__in=Module.objects.live().filter(unlocks=found["module_id"]))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    plan = HeartbeatPlan(
        component_id=found["pk"],
        series_id=found["module__series_id"],
        token=found["module__series__content_token"],
        duration=found["duration_seconds"],
        threshold=found["completion_threshold"] or settings.LMS_VIDEO_COMPLETION_THRESHOLD,
        prerequisites=tuple(prerequisites),
    )
    if len(_plans) >= _PLANS_KEPT:
        _plans.clear()
    _plans[key] = plan
    return plan


# The heartbeat's one read: the learner's progress row in the current cycle, only while the plan
# still matches the series (its content token) and, when the module has prerequisites, every
# required component of them is complete in this cycle (module_unlocked's common case; its other
# case, a completed cycle whose module completion stands, takes the full path).
_HEARTBEAT_READ = """
SELECT p.id, p.enrollment_id, p.state, p.percent, p.watched_ranges, p.clock_at, p.updated_at,
       e.percent_complete,
       CASE WHEN e.started_at IS NULL OR e.last_activity_at IS NULL
                 OR e.last_activity_at < %s THEN 1 ELSE 0 END
FROM courses_enrollment e
JOIN courses_series s ON s.id = e.series_id
JOIN courses_progress p ON p.enrollment_id = e.id AND p.component_id = %s
WHERE e.user_id = %s AND e.series_id = %s AND e.is_current = %s AND s.content_token = %s
"""
_HEARTBEAT_PREREQUISITES = """
  AND (SELECT COUNT(*) FROM courses_progress dp
       WHERE dp.enrollment_id = e.id AND dp.state = %s AND dp.component_id IN ({})) = %s
"""


@dataclass
class _HeartbeatRow:
    """The learner's progress row as the heartbeat reads it; ``updated_at`` as the database
    gave it, to be handed back unchanged in the conditional UPDATE."""

    id: int
    enrollment_id: int
    state: str
    percent: int
    watched_ranges: list
    clock_at: datetime | None
    updated_at: Any
    series_percent: int
    touch: bool


def _as_datetime(value: datetime | None) -> datetime | None:
    """A timestamp from a raw cursor: aware from PostgreSQL, naive UTC from SQLite."""
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def _heartbeat_read(plan: HeartbeatPlan, *, user: User, now: datetime) -> _HeartbeatRow | None:
    """One statement on a raw cursor (no model to build: this runs every few seconds per
    viewer)."""
    sql = _HEARTBEAT_READ
    stale = now - ACTIVITY_RESOLUTION
    params: list[Any] = [
        _timestamp_field.get_db_prep_value(stale, connection),
        plan.component_id,
        user.pk,
        plan.series_id,
        True,
        plan.token,
    ]
    if plan.prerequisites:
        sql += _HEARTBEAT_PREREQUISITES.format(", ".join(["%s"] * len(plan.prerequisites)))
        params += [Progress.State.COMPLETED, *plan.prerequisites, len(plan.prerequisites)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return None
    row_id, enrollment_id, state, percent, ranges, clock_at, updated_at, series_percent, touch = (
        found
    )
    return _HeartbeatRow(
        id=row_id,
        enrollment_id=enrollment_id,
        state=state,
        percent=percent,
        watched_ranges=(json.loads(ranges) if isinstance(ranges, str) else ranges) or [],
        clock_at=_as_datetime(clock_at),
        updated_at=updated_at,
        series_percent=series_percent,
        touch=bool(touch),
    )


_HEARTBEAT_WRITE = """
UPDATE courses_progress SET updated_at = %s, watched_ranges = %s, clock_at = %s, percent = %s,
       position_seconds = COALESCE(%s, position_seconds)
WHERE id = %s AND updated_at = %s
"""
# On PostgreSQL the heartbeat's write does not wait for its WAL flush (asynchronous commit, in
# the statement's own implicit transaction: Django's cursor sends both in one simple query). A
# crash of the database itself may lose the last few hundred milliseconds of heartbeats, a few
# seconds of watched video a learner sees again; nothing is left inconsistent, concurrency is as
# before (the conditional UPDATE), and completions, which take the full path, wait for theirs.
_HEARTBEAT_WRITE_ASYNC = _HEARTBEAT_WRITE.rstrip() + ";\nSET LOCAL synchronous_commit TO OFF\n"
_timestamp_field = Progress._meta.get_field("updated_at")
_ranges_field = Progress._meta.get_field("watched_ranges")


@dataclass(frozen=True)
class HeartbeatResult:
    state: str
    percent: int
    completed: bool
    series_percent: int


def progress_heartbeat(
    *,
    user: User,
    series_slug: str,
    module_slug: str,
    component_slug: str,
    watched_ranges: Sequence[Sequence[float]],
    position: float | None,
    now: datetime | None = None,
) -> HeartbeatResult | None:
    """A video player's heartbeat in two statements: one read, one conditional UPDATE.

    The common case only: the component's plan is known (``heartbeat_plan``), the learner's
    row exists, every rule lets it through and this report completes nothing. Then the seconds
    are credited as ``progress_record`` credits them and written with
    ``UPDATE ... WHERE updated_at = <as read>``, so a concurrent heartbeat that wrote first makes
    this one write nothing (no seconds lost, none counted twice). Returns None, having written
    nothing, whenever that is not so (no plan, no row, a rule refuses, the content changed, the
    report would complete the video, a concurrent write): the caller then takes
    ``progress_record``, which locks, re-reads and applies every rule, completion included.
    """
    now = now or timezone.now()
    slugs = (series_slug, module_slug, component_slug)
    was_cached = slugs in _plans
    plan = heartbeat_plan(*slugs)
    if plan is None:
        return None
    progress = _heartbeat_read(plan, user=user, now=now)
    if progress is None and was_cached:
        # The content may have changed since the plan was made: make it again, and read again
        # only if it differs (a locked module or a missing row read the same either way).
        fresh = heartbeat_plan(*slugs, cached=False)
        if fresh is None or fresh == plan:
            return None
        plan, progress = fresh, _heartbeat_read(fresh, user=user, now=now)
    if progress is None:
        return None  # no row, or a rule refuses: the full path says why
    was_complete = progress.state == Progress.State.COMPLETED
    ranges, clock_at, percent = progress.watched_ranges, progress.clock_at, progress.percent
    if watched_ranges:
        ranges, percent = _watched_credit(
            before=ranges,
            clock_at=clock_at,
            reported=watched_ranges,
            duration=plan.duration,
            now=now,
        )
        if not was_complete and percent >= plan.threshold:
            return None  # a completion: module and series follow, under the full path's locks
        clock_at = now
    at = _resume_position(position, plan.duration)
    stamp = _timestamp_field.get_db_prep_value(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            _HEARTBEAT_WRITE_ASYNC if connection.vendor == "postgresql" else _HEARTBEAT_WRITE,
            [
                stamp,
                _ranges_field.get_db_prep_value(ranges, connection),
                _timestamp_field.get_db_prep_value(clock_at, connection),
                percent,
                at,
                progress.id,
                progress.updated_at,
            ],
        )
        written = cursor.rowcount
    if written != 1:
        return None
    if progress.touch:
        enrollment = Enrollment(pk=progress.enrollment_id, started_at=None, last_activity_at=None)
        _enrollment_touch(enrollment, now)
    return HeartbeatResult(
        state=progress.state,
        percent=percent,
        completed=was_complete,
        series_percent=progress.series_percent,
    )


def progress_finish(
    *,
    progress: Progress,
    component: Component,
    fields: list[str],
    was_complete: bool,
    now: datetime,
) -> ProgressResult:
    """Save a locked progress row (from ``progress_for_update``) and, when it has just been
    completed, the module and series completions that follow. For the services of this app."""
    enrollment = progress.enrollment
    component_completed = not was_complete and progress.is_complete
    if component_completed:
        progress.completed_at = now
        fields = [*fields, "state", "percent", "completed_at"]
    progress.save(update_fields=sorted(set(fields)))

    module_completed = series_completed = False
    if component_completed:
        enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        progress.enrollment = enrollment
        module_completed, series_completed = enrollment_refresh(
            enrollment, now, module=component.module
        )
    _enrollment_touch(enrollment, now)
    return ProgressResult(
        progress=progress,
        enrollment=enrollment,
        component_completed=component_completed,
        module_completed=module_completed,
        series_completed=series_completed,
    )


def _enrollment_touch(enrollment: Enrollment, now: datetime) -> None:
    """Move the enrollment's last activity forward; at most once a minute, since video heartbeats
    arrive every few seconds and the minute is all supervisors need."""
    last = enrollment.last_activity_at
    if enrollment.started_at is not None and last is not None and now - last < ACTIVITY_RESOLUTION:
        return
    updates: dict = {
        "last_activity_at": Greatest(Coalesce("last_activity_at", Value(now)), Value(now))
    }
    if enrollment.started_at is None:
        updates["started_at"] = Coalesce("started_at", Value(now))
        enrollment.started_at = now
    Enrollment.objects.filter(pk=enrollment.pk).update(**updates)
    enrollment.last_activity_at = max(last, now) if last else now
