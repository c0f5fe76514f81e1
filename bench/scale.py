"""Scale test data: one agency, many learners, one series, in varied states, written in bulk.

Used by ``manage.py seed_scale`` (a thin command over this module) for the benchmarks here and
for fault tests. Nothing here goes through the progress services: rows are planned in Python and
written with ``bulk_create`` a batch at a time, in the same consistent shape the services leave
behind (see ``courses.services``):

- a completed component has a ``completed`` progress row with ``completed_at`` and percent 100;
- the component a learner has opened but not finished has an ``in_progress`` row;
- every module whose components are all completed has a ``ModuleCompletion``;
- the enrollment's summary (started, last activity, components completed, percent, completed)
  agrees with those rows.

Learner ``k``'s plan is a pure function of ``(k, learners, components)``: states are dealt in
blocks of twenty, each block shuffled by a ``random.Random`` seeded with the arguments and the
block number. Times are kept as ages (seconds before midnight of the agency's today) and due
dates as days from that today, so a run on another day gives the same states, shifted.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from itertools import islice
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.db import connection, models
from django.db.models import QuerySet

from accounts.models import Agency, Membership, User
from certificates.models import Certificate
from courses.models import (
    Assignment,
    Component,
    Enrollment,
    Module,
    ModuleCompletion,
    Progress,
    Series,
)

AGENCY_NAME = "Scale Test Agency"
AGENCY_SLUG = "scale-test-agency"
AGENCY_TIMEZONE = "America/New_York"
SERIES_CREDIT_HOURS, SERIES_CREDIT_TYPE = 2, "POST CPT"  # each completion: 2 hours
SUPERVISOR_EMAIL = "scale-supervisor@example.com"
SUPERVISOR_NAME = "Scale Supervisor"
LEARNER_PREFIX = "scale-learner-"
LEARNER_DOMAIN = "@example.com"
SERIES_PREFIX = "scale-series-"
COMPONENTS_PER_MODULE = 4
BATCH_SIZE = 5_000

NOT_STARTED = "not_started"  # assigned, never opened
STARTED = "started"  # opened the first component, nothing completed yet
IN_PROGRESS = "in_progress"  # 1 .. C-1 components completed, the next one opened
COMPLETED = "completed"

# One block of twenty learners: 20% not started, 15% started, 35% in progress, 30% completed;
# four of the fourteen who have not completed are overdue, a fifth of all learners.
BLOCK = (NOT_STARTED,) * 4 + (STARTED,) * 3 + (IN_PROGRESS,) * 7 + (COMPLETED,) * 6
OVERDUE_PER_BLOCK = 4

DAY = 86_400
HOUR = 3_600
OPEN_BEFORE_COMPLETE = 600  # a reading is opened ten minutes before it is marked read
COMPLETED_WITHIN_DAYS = 182  # completions fall in the last six months (26 weekly buckets)
TERMS = (30, 45, 60, 90)  # days from assignment to due date

FIRST_NAMES = (
    "Alex", "Avery", "Blake", "Cameron", "Casey", "Dakota", "Drew", "Elliot", "Emerson", "Finley",
    "Harper", "Hayden", "Jamie", "Jesse", "Jordan", "Kendall", "Logan", "Morgan", "Noel", "Parker",
    "Peyton", "Quinn", "Reese", "Riley", "Rowan", "Sage", "Sawyer", "Skyler", "Spencer", "Taylor",
    "Tatum", "Winter",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Alvarez", "Bennett", "Brooks", "Carter", "Chen", "Diaz", "Ellis", "Foster", "Garcia",
    "Hayes", "Hughes", "Jensen", "Kim", "Lopez", "Morales", "Nguyen", "Okafor", "Patel", "Porter",
    "Ramirez", "Reed", "Santos", "Silva", "Sullivan", "Turner", "Walsh", "Ward", "Young", "Zimmer",
    "Novak",
)  # fmt: skip


def learner_email(index: int) -> str:
    return f"{LEARNER_PREFIX}{index:06d}{LEARNER_DOMAIN}"


def learner_name(index: int) -> str:
    # 32 and 31 share no factor: the first 992 learners all have different names.
    return (
        f"{FIRST_NAMES[(index - 1) % len(FIRST_NAMES)]} {LAST_NAMES[(index - 1) % len(LAST_NAMES)]}"
    )


def series_slug(components: int) -> str:
    return f"{SERIES_PREFIX}{components}"


@dataclass(frozen=True)
class LearnerPlan:
    """Where learner ``index`` stands. Ages are seconds before the anchor: midnight starting the
    agency's today."""

    index: int
    state: str
    overdue: bool
    due_in_days: int  # due date, in days from the agency's today (negative: in the past)
    enrolled_age: int
    # One age per step, oldest first: the first ``done`` are completions of components 1..done;
    # a further one, for learners who have not completed, is when they opened the next component.
    step_ages: tuple[int, ...]
    done: int

    @property
    def email(self) -> str:
        return learner_email(self.index)

    @property
    def full_name(self) -> str:
        return learner_name(self.index)


def _block(block: int, learners: int, components: int) -> list[LearnerPlan]:
    # Test data, not secrets: a seeded generator is the point.
    rng = random.Random(f"seed_scale:{learners}:{components}:{block}")
    states = list(BLOCK)
    rng.shuffle(states)
    still_open = [i for i, state in enumerate(states) if state != COMPLETED]
    overdue = set(rng.sample(still_open, OVERDUE_PER_BLOCK))
    first = block * len(BLOCK) + 1
    return [
        _plan(first + i, state, i in overdue, rng, components) for i, state in enumerate(states)
    ]


def _plan(
    index: int, state: str, overdue: bool, rng: random.Random, components: int
) -> LearnerPlan:
    if state == COMPLETED:
        done = components
        finished_age = rng.randint(HOUR, COMPLETED_WITHIN_DAYS * DAY)
        enrolled_age = finished_age + rng.randint(DAY, 45 * DAY)
        earlier = sorted(
            (rng.randint(finished_age + 1, enrolled_age - HOUR) for _ in range(components - 1)),
            reverse=True,
        )
        steps = (*earlier, finished_age)
        due_in = rng.choice(TERMS) - enrolled_age // DAY
        return LearnerPlan(index, state, False, due_in, enrolled_age, steps, done)

    if overdue:
        due_in = -rng.randint(1, 60)
        enrolled_age = (-due_in + rng.randint(7, 60)) * DAY + rng.randint(0, DAY - 1)
    else:
        due_in = rng.randint(1, 90)
        enrolled_age = rng.randint(1, 60) * DAY + rng.randint(0, DAY - 1)
    if state == NOT_STARTED:
        return LearnerPlan(index, state, overdue, due_in, enrolled_age, (), 0)
    done = rng.randint(1, components - 1) if state == IN_PROGRESS and components > 1 else 0
    steps = tuple(
        sorted((rng.randint(HOUR, enrolled_age - HOUR) for _ in range(done + 1)), reverse=True)
    )
    return LearnerPlan(index, state, overdue, due_in, enrolled_age, steps, done)


def plans(learners: int, components: int) -> Iterator[LearnerPlan]:
    """The plans of learners 1..``learners``, in order, a block at a time."""
    for block in range((learners + len(BLOCK) - 1) // len(BLOCK)):
        for plan in _block(block, learners, components):
            if plan.index > learners:
                return
            yield plan


def learner_plan(index: int, learners: int, components: int) -> LearnerPlan:
    """The plan of learner ``index`` (1-based): depends on nothing but the three arguments."""
    block, position = divmod(index - 1, len(BLOCK))
    return _block(block, learners, components)[position]


def anchor_and_today(agency: Agency) -> tuple[datetime, date]:
    """Midnight starting the agency's today (in UTC, so arithmetic is exact) and that day."""
    zone = ZoneInfo(agency.timezone)
    today = agency.today()
    return datetime.combine(today, clock.min, tzinfo=zone).astimezone(UTC), today


# --- reading and clearing what is there ---------------------------------------------------------


def agency_ensure() -> Agency:
    """The scale agency, found by slug or else by name, created if neither exists."""
    agency = (
        Agency.objects.filter(slug=AGENCY_SLUG).first()
        or Agency.objects.filter(name=AGENCY_NAME).first()
    )
    if agency is None:
        agency = Agency.objects.create(name=AGENCY_NAME, slug=AGENCY_SLUG, timezone=AGENCY_TIMEZONE)
    return agency


def scale_learners(agency: Agency):
    """The learners this command made for the agency (never anyone else's account)."""
    return User.objects.filter(
        email__startswith=LEARNER_PREFIX,
        email__endswith=LEARNER_DOMAIN,
        memberships__agency=agency,
        memberships__role=Membership.Role.LEARNER,
    )


def is_seeded(agency: Agency, *, learners: int, components: int) -> bool:
    """The agency holds exactly what a run with these arguments writes."""
    series = Series.objects.filter(slug=series_slug(components)).first()
    if series is None or Component.objects.filter(module__series=series).count() != components:
        return False
    if not Membership.objects.filter(
        agency=agency, user__email=SUPERVISOR_EMAIL, role=Membership.Role.SUPERVISOR
    ).exists():
        return False
    ours = scale_learners(agency)
    enrollments = Enrollment.objects.filter(user__in=ours.values("pk"))
    return (
        ours.count() == learners
        and enrollments.filter(series=series).count() == learners
        and not enrollments.exclude(series=series).exists()
        and not enrollments.filter(assignment__isnull=True).exists()
    )


def clear(agency: Agency, *, keep_series: str) -> tuple[int, list[str]]:
    """Delete the scale learners of the agency (with their enrollments and progress) and the
    scale series other than ``keep_series`` that nobody is enrolled in any more.

    Returns (learners deleted, slugs of series deleted). Other agencies' data is never touched:
    a scale series someone else is enrolled in stays.
    """
    ids = list(scale_learners(agency).order_by("pk").values_list("pk", flat=True))
    chunk = min(BATCH_SIZE, connection.features.max_query_params or BATCH_SIZE)
    for start in range(0, len(ids), chunk):
        delete_cascading(User._base_manager.filter(pk__in=ids[start : start + chunk]))
    stale = (
        Series.objects.filter(slug__regex=rf"^{SERIES_PREFIX}[0-9]+$", enrollments__isnull=True)
        .exclude(slug=keep_series)
        .distinct()
    )
    slugs = list(stale.values_list("slug", flat=True))
    Assignment.objects.filter(agency=agency, series__slug__in=slugs).delete()
    Series.objects.filter(slug__in=slugs).delete()
    return len(ids), slugs


def delete_cascading(rows: QuerySet) -> int:
    """Delete ``rows`` and what refers to them as each ``on_delete`` says, one statement a table.

    ``QuerySet.delete()`` loads every row (and every row that cascades from it) and deletes them
    a hundred at a time: half a minute for 100,000 learners, against a few seconds here. Like the
    collector this follows every relation, so it stays right when models gain one; unlike it, it
    sends no delete signals (nothing listens to these models) and refuses rather than collects
    when a PROTECT or RESTRICT relation has rows.
    """
    ids = rows.values("pk")
    for relation in rows.model._meta.get_fields(include_hidden=True):
        if not (
            relation.auto_created
            and not relation.concrete
            and (relation.one_to_many or relation.one_to_one)
        ):
            continue
        field = relation.field
        refs = relation.related_model._base_manager.filter(**{f"{field.name}__in": ids})
        on_delete = field.remote_field.on_delete
        if on_delete is models.CASCADE:
            delete_cascading(refs)
        elif on_delete is models.SET_NULL:
            refs.update(**{field.name: None})
        elif on_delete is not models.DO_NOTHING and refs.exists():
            raise RuntimeError(
                f"{relation.related_model._meta.label} rows refer to the "
                f"{rows.model._meta.label} rows being deleted."
            )
    return rows._raw_delete(rows.db)


# --- writing ------------------------------------------------------------------------------------


def supervisor_ensure(agency: Agency, *, password_hash: str) -> User:
    user = User.objects.filter(email=SUPERVISOR_EMAIL).first()
    if user is None:
        user = User.objects.create(
            email=SUPERVISOR_EMAIL, full_name=SUPERVISOR_NAME, password=password_hash
        )
    elif user.password != password_hash:
        user.password = password_hash
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=SUPERVISOR_EMAIL, defaults={"verified": True, "primary": True}
    )
    membership, _ = Membership.objects.get_or_create(
        user=user, agency=agency, defaults={"role": Membership.Role.SUPERVISOR}
    )
    if membership.role != Membership.Role.SUPERVISOR:
        membership.role = Membership.Role.SUPERVISOR
        membership.save(update_fields=["role"])
    return user


def assignment_ensure(agency: Agency, series: Series, *, supervisor: User) -> Assignment:
    """The agency's whole-agency assignment of the series, made once by its supervisor: the
    enrollments point to it, so the reminder planner and the refreshers see them. Each learner's
    own due date (``TERMS`` days after their assignment) stays on the enrollment."""
    assignment = Assignment.objects.filter(
        agency=agency, series=series, everyone=True, cancelled_at__isnull=True
    ).first()
    if assignment is None:
        assignment = Assignment.objects.create(
            agency=agency,
            series=series,
            created_by=supervisor,
            everyone=True,
            due_in_days=TERMS[0],
        )
    return assignment


def series_ensure(components: int) -> tuple[Series, list[tuple[int, int]]]:
    """The published scale series with ``components`` required readings, four to a module.

    Returns the series and its components as (component id, module id), in learning order.
    """
    slug = series_slug(components)
    series = Series.objects.filter(slug=slug).first()
    if series is not None:
        usable = (
            series.status == Series.Status.PUBLISHED
            and Component.objects.filter(module__series=series).count() == components
            and not Component.objects.filter(module__series=series)
            .exclude(kind=Component.Kind.DOCUMENT, required=True)
            .exists()
        )
        if not usable:
            if series.enrollments.exists():
                raise ValueError(f"Series {slug} was changed and has enrollments; remove it first.")
            series.delete()
            series = None
    if series is None:
        series = Series.objects.create(
            slug=slug,
            title=f"Scale Test Series ({components} components)",
            provider="Scale test",
            summary="Generated by seed_scale for benchmarks and fault tests.",
            status=Series.Status.PUBLISHED,
            credit_hours=SERIES_CREDIT_HOURS,
            credit_type=SERIES_CREDIT_TYPE,
        )
        module_count = (components + COMPONENTS_PER_MODULE - 1) // COMPONENTS_PER_MODULE
        modules = Module.objects.bulk_create(
            Module(series=series, slug=f"module-{m}", title=f"Module {m}", position=m)
            for m in range(1, module_count + 1)
        )
        Component.objects.bulk_create(
            Component(
                module=modules[i // COMPONENTS_PER_MODULE],
                slug=f"reading-{i + 1}",
                title=f"Reading {i + 1}",
                position=i % COMPONENTS_PER_MODULE + 1,
                kind=Component.Kind.DOCUMENT,
                required=True,
                body=f"Reading {i + 1} of the scale test series.",
            )
            for i in range(components)
        )
    ordered = list(
        Component.objects.filter(module__series=series)
        .order_by("module__position", "position")
        .values_list("id", "module_id")
    )
    return series, ordered


@contextmanager
def _timestamps_as_given():
    """Let ``bulk_create`` store the history we planned.

    ``bulk_create`` calls each field's ``pre_save``, which stamps ``auto_now``/``auto_now_add``
    fields with the current time; planned rows need their own past times there (an enrollment
    made before its learner started, a progress row last touched when it was completed). The
    flags are switched off for these fields while the rows are written and always restored.
    """
    fields = [
        Membership._meta.get_field("joined_at"),
        Enrollment._meta.get_field("enrolled_at"),
        Progress._meta.get_field("updated_at"),
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def write_learners(
    agency: Agency,
    series: Series,
    ordered: list[tuple[int, int]],
    *,
    assignment: Assignment,
    learners: int,
    password_hash: str,
    batch_size: int = BATCH_SIZE,
    log: Callable[[str], None] = lambda line: None,
) -> None:
    """Write learners 1..``learners`` and their enrollments and progress, ``batch_size`` learners
    (and at most ``batch_size`` rows per INSERT) at a time. A fixed number of statements per
    batch, none per learner."""
    if not connection.features.can_return_rows_from_bulk_insert:
        raise RuntimeError("seed_scale needs a database that returns ids from bulk inserts.")
    components = len(ordered)
    anchor, today = anchor_and_today(agency)
    zone = ZoneInfo(agency.timezone)
    # Index of the last component of each module, in learning order: done > it ⇒ module done.
    module_ends: dict[int, int] = {}
    for i, (_, module_id) in enumerate(ordered):
        module_ends[module_id] = i
    module_ends_sorted = sorted((end, module_id) for module_id, end in module_ends.items())

    def at(age: int) -> datetime:
        return anchor - timedelta(seconds=age)

    started = time.monotonic()
    written = 0
    stream = plans(learners, components)
    with _timestamps_as_given():
        while batch := list(islice(stream, batch_size)):
            users = User.objects.bulk_create(
                [
                    User(
                        email=plan.email,
                        full_name=plan.full_name,
                        password=password_hash,
                        date_joined=at(plan.enrolled_age + DAY),
                    )
                    for plan in batch
                ],
                batch_size=batch_size,
            )
            EmailAddress.objects.bulk_create(
                [
                    EmailAddress(user=user, email=user.email, verified=True, primary=True)
                    for user in users
                ],
                batch_size=batch_size,
            )
            Membership.objects.bulk_create(
                [
                    Membership(
                        user=user,
                        agency=agency,
                        role=Membership.Role.LEARNER,
                        joined_at=user.date_joined,
                    )
                    for user in users
                ],
                batch_size=batch_size,
            )
            enrollments = Enrollment.objects.bulk_create(
                [
                    _enrollment(plan, user, series, at, today, components, assignment)
                    for plan, user in zip(batch, users, strict=True)
                ],
                batch_size=batch_size,
            )
            # The certificate each completion issues, with what the issuing service keeps.
            Certificate.objects.bulk_create(
                [
                    Certificate(
                        enrollment=enrollment,
                        user=user,
                        series=series,
                        learner_name=user.name_for_certificates(),
                        series_title=series.title,
                        provider=series.provider,
                        completed_on=enrollment.completed_at.astimezone(zone).date(),
                        credit_hours=series.credit_hours,
                        credit_type=series.credit_type,
                        issued_at=enrollment.completed_at,
                    )
                    for user, enrollment in zip(users, enrollments, strict=True)
                    if enrollment.completed_at is not None
                ],
                batch_size=batch_size,
            )
            progress: list[Progress] = []
            completions: list[ModuleCompletion] = []
            for plan, enrollment in zip(batch, enrollments, strict=True):
                moments = [at(age) for age in plan.step_ages]
                for i, moment in enumerate(moments):
                    component_id = ordered[i][0]
                    if i < plan.done:
                        opened = moment - timedelta(seconds=OPEN_BEFORE_COMPLETE)
                        progress.append(
                            Progress(
                                enrollment=enrollment,
                                component_id=component_id,
                                state=Progress.State.COMPLETED,
                                percent=100,
                                started_at=opened,
                                clock_at=opened,
                                completed_at=moment,
                                updated_at=moment,
                            )
                        )
                    else:
                        progress.append(
                            Progress(
                                enrollment=enrollment,
                                component_id=component_id,
                                state=Progress.State.IN_PROGRESS,
                                percent=0,
                                started_at=moment,
                                clock_at=moment,
                                updated_at=moment,
                            )
                        )
                for end, module_id in module_ends_sorted:
                    if end >= plan.done:
                        break
                    completions.append(
                        ModuleCompletion(
                            enrollment=enrollment, module_id=module_id, completed_at=moments[end]
                        )
                    )
            Progress.objects.bulk_create(progress, batch_size=batch_size)
            ModuleCompletion.objects.bulk_create(completions, batch_size=batch_size)
            written += len(batch)
            log(
                f"{written:,} / {learners:,} learners written "
                f"({len(progress):,} progress rows in this batch), "
                f"{time.monotonic() - started:.1f} s"
            )


def _enrollment(
    plan: LearnerPlan,
    user: User,
    series: Series,
    at: Callable[[int], datetime],
    today: date,
    components: int,
    assignment: Assignment,
) -> Enrollment:
    steps = plan.step_ages
    first_open = None
    if steps:
        first_open = at(steps[0]) - timedelta(seconds=OPEN_BEFORE_COMPLETE if plan.done else 0)
    complete = plan.state == COMPLETED
    return Enrollment(
        user=user,
        series=series,
        cycle=1,
        source=Enrollment.Source.ASSIGNED,
        assignment=assignment,
        enrolled_at=at(plan.enrolled_age),
        due_on=today + timedelta(days=plan.due_in_days),
        started_at=first_open,
        last_activity_at=at(steps[-1]) if steps else None,
        completed_at=at(steps[-1]) if complete else None,
        components_completed=plan.done,
        percent_complete=100 if complete else 100 * plan.done // components,
    )
