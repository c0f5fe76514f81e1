"""seed_scale: many learners in varied, consistent states, written in bulk, deterministically."""

import io
import math
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Agency, Membership, User
from bench import scale
from certificates.models import Certificate
from courses import services
from courses.models import (
    AdvisoryAcknowledgement,
    Assignment,
    Component,
    Enrollment,
    Module,
    ModuleCompletion,
    Progress,
    Series,
)
from reminders.models import Reminder
from supervision.models import ExportLog
from tests import factories
from tests.courses.test_seed_demo import _snapshot

pytestmark = pytest.mark.django_db

PASSWORD = "scale-password-for-tests"
# Statements of a first run apart from the learners' bulk INSERTs: look-ups, the agency,
# supervisor, series and assignment, the (empty) clean-ups, savepoints. Measured: 25 on SQLite
# and PostgreSQL, plus the ANALYZE that refreshes PostgreSQL's statistics after the load.
FIXED_QUERIES = 25


def _fixed_queries() -> int:
    return FIXED_QUERIES + (1 if connection.vendor == "postgresql" else 0)


@pytest.fixture(autouse=True)
def _password(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)


def seed(learners: int, components: int | None = None, **options) -> str:
    out = io.StringIO()
    if components is not None:
        options["components"] = components
    call_command("seed_scale", learners=learners, stdout=out, **options)
    return out.getvalue()


def scale_agency() -> Agency:
    return Agency.objects.get(slug=scale.AGENCY_SLUG)


def status(enrollment: Enrollment, today) -> str:
    """The supervisor dashboard's rule (supervision.selectors)."""
    if enrollment.completed_at is not None:
        return "completed"
    if enrollment.due_on is not None and enrollment.due_on < today:
        return "overdue"
    return "in_progress" if enrollment.started_at is not None else "not_started"


def states(series: Series) -> list[tuple]:
    """(email, percent, due on in days from today, completed?) of every enrollment, by email."""
    today = scale.anchor_and_today(scale_agency())[1]
    return [
        (e.user.email, e.percent_complete, (e.due_on - today).days, e.completed_at is not None)
        for e in Enrollment.objects.filter(series=series)
        .select_related("user")
        .order_by("user__email")
    ]


def assert_consistent(series: Series) -> dict[str, int]:
    """Every enrollment of the series is in a state the progress services could have left.

    Returns how many enrollments are in each learner state (not started, started, ...).
    """
    components = list(
        Component.objects.filter(module__series=series).order_by("module__position", "position")
    )
    count = len(components)
    order = [c.pk for c in components]
    module_of = {c.pk: c.module_id for c in components}
    now = timezone.now()
    kinds: Counter = Counter()
    enrollments = Enrollment.objects.filter(series=series).prefetch_related(
        "progress", "module_completions"
    )
    for enrollment in enrollments:
        rows = list(enrollment.progress.all())
        done = sorted(
            (p for p in rows if p.state == Progress.State.COMPLETED), key=lambda p: p.completed_at
        )
        opened = [p for p in rows if p.state == Progress.State.IN_PROGRESS]
        for p in done:
            assert p.percent == 100 and p.completed_at is not None
            assert p.started_at <= p.completed_at < now
        for p in opened:
            assert p.completed_at is None and p.percent == 0
        # Completions follow the learning order: the completed components are a prefix.
        assert [p.component_id for p in done] == order[: len(done)]
        assert enrollment.components_completed == len(done)
        assert enrollment.source == Enrollment.Source.ASSIGNED and enrollment.due_on is not None
        if enrollment.completed_at is not None:
            assert enrollment.percent_complete == 100 and len(done) == count and not opened
            assert enrollment.completed_at == done[-1].completed_at
            kinds["completed"] += 1
        else:
            assert enrollment.percent_complete == 100 * len(done) // count < 100
            # Whoever has begun has exactly one component open: the next one.
            assert len(opened) == (1 if rows else 0)
            if opened:
                assert opened[0].component_id == order[len(done)]
            kinds["in_progress" if done else "started" if rows else "not_started"] += 1
        # Module completions: exactly the modules whose components are all completed, at the
        # moment the last of them was.
        completed_in: dict[int, list] = defaultdict(list)
        for p in done:
            completed_in[module_of[p.component_id]].append(p.completed_at)
        size = Counter(module_of.values())
        expected = {m: max(times) for m, times in completed_in.items() if len(times) == size[m]}
        got = {mc.module_id: mc.completed_at for mc in enrollment.module_completions.all()}
        assert got == expected
        # The summary agrees with the rows; history runs forwards and lies in the past.
        if rows:
            assert enrollment.started_at == min(p.started_at for p in rows)
            assert enrollment.last_activity_at == max(
                [p.completed_at for p in done] + [p.started_at for p in opened]
            )
            assert enrollment.enrolled_at <= enrollment.started_at
        else:
            assert enrollment.started_at is None and enrollment.last_activity_at is None
        assert enrollment.last_activity_at is None or enrollment.last_activity_at < now
        assert enrollment.enrolled_at < now
    return dict(kinds)


def test_seed_scale_writes_the_agency_learners_and_series():
    out = seed(50, 8)
    assert "50 / 50 learners written" in out

    agency = scale_agency()
    assert agency.name == "Scale Test Agency" and agency.timezone == "America/New_York"
    assert agency.memberships.filter(role=Membership.Role.LEARNER).count() == 50
    supervisors = agency.memberships.filter(role=Membership.Role.SUPERVISOR)
    assert [m.user.email for m in supervisors] == ["scale-supervisor@example.com"]

    learners = User.objects.filter(memberships__agency=agency, memberships__role="learner")
    emails = sorted(learners.values_list("email", flat=True))
    assert emails == [f"scale-learner-{k:06d}@example.com" for k in range(1, 51)]
    first = User.objects.get(email="scale-learner-000001@example.com")
    assert first.full_name == scale.learner_name(1) == "Alex Abbott"
    assert first.check_password(PASSWORD)
    assert User.objects.get(email=scale.SUPERVISOR_EMAIL).check_password(PASSWORD)
    # Every scale account signs in with a verified primary address.
    addresses = EmailAddress.objects.filter(user__email__startswith="scale-")
    assert addresses.count() == 51
    assert not addresses.filter(verified=False).exists()
    assert not addresses.filter(primary=False).exists()

    series = Series.objects.get(slug="scale-series-8")
    assert series.title == "Scale Test Series (8 components)"
    assert series.status == Series.Status.PUBLISHED
    modules = list(Module.objects.filter(series=series).order_by("position"))
    assert [m.components.count() for m in modules] == [4, 4]
    assert not Module.prerequisites.through.objects.filter(from_module__series=series).exists()
    components = Component.objects.filter(module__series=series)
    assert components.count() == components.filter(kind="document", required=True).count() == 8

    assert Enrollment.objects.filter(series=series).count() == 50
    assert Enrollment.objects.filter(user__in=learners).count() == 50
    kinds = assert_consistent(series)
    # 50 learners: two full blocks of twenty and half of a third.
    assert 8 <= kinds.get("not_started", 0) <= 12
    assert 5 <= kinds.get("started", 0) <= 10
    assert 15 <= kinds.get("in_progress", 0) <= 20
    assert 13 <= kinds.get("completed", 0) <= 17
    today = scale.anchor_and_today(agency)[1]
    statuses = Counter(status(e, today) for e in Enrollment.objects.filter(series=series))
    assert 8 <= statuses["overdue"] <= 12

    # The timestamps bulk_create writes as given are switched back to automatic afterwards.
    assert Enrollment._meta.get_field("enrolled_at").auto_now_add
    assert Progress._meta.get_field("updated_at").auto_now
    assert Membership._meta.get_field("joined_at").auto_now_add


def test_five_hundred_learners_a_fifth_overdue_and_completions_across_the_weeks():
    seed(500)
    series = Series.objects.get(slug="scale-series-8")
    kinds = assert_consistent(series)
    assert kinds == {"not_started": 100, "started": 75, "in_progress": 175, "completed": 150}
    agency = scale_agency()
    today = scale.anchor_and_today(agency)[1]
    enrollments = list(Enrollment.objects.filter(series=series))
    statuses = Counter(status(e, today) for e in enrollments)
    assert 75 <= statuses["overdue"] <= 125  # 15–25 % (exactly 20 %: four in every twenty)
    overdue = [e for e in enrollments if status(e, today) == "overdue"]
    assert {e.started_at is None for e in overdue} == {True, False}  # from both open states
    # Completions within the last six months, spread over the weeks of the dashboard's chart.
    six_months_ago = timezone.now() - timedelta(days=183)
    completed = [e.completed_at for e in enrollments if e.completed_at is not None]
    assert all(six_months_ago < moment < timezone.now() for moment in completed)
    weeks = Counter((timezone.now() - moment).days // 7 for moment in completed)
    assert len(weeks) >= 20
    assert max(weeks.values()) <= 20
    # In-progress learners are spread over 1..C-1 components.
    assert {e.components_completed for e in enrollments if 0 < e.percent_complete < 100} == set(
        range(1, 8)
    )


@pytest.mark.parametrize("components", [1, 5])
def test_other_component_counts_make_consistent_series(components):
    seed(60, components)
    series = Series.objects.get(slug=f"scale-series-{components}")
    sizes = [m.components.count() for m in series.modules.order_by("position")]
    assert sizes == ([1] if components == 1 else [4, 1])
    kinds = assert_consistent(series)
    assert kinds["completed"] == 18
    assert sum(kinds.values()) == 60


def test_a_second_run_with_the_same_arguments_changes_nothing():
    seed(50, 8)
    first = _snapshot()
    out = seed(50, 8)
    assert "already seeded" in out
    assert _snapshot() == first


def test_learner_states_are_a_pure_function_of_the_index_and_arguments():
    seed(50, 8)
    series = Series.objects.get(slug="scale-series-8")
    first = states(series)
    today = scale.anchor_and_today(scale_agency())[1]
    for enrollment in Enrollment.objects.filter(series=series).select_related("user"):
        index = int(enrollment.user.email.removeprefix("scale-learner-")[:6])
        plan = scale.learner_plan(index, 50, 8)
        assert enrollment.components_completed == plan.done
        assert (enrollment.due_on - today).days == plan.due_in_days
        assert (enrollment.completed_at is not None) == (plan.state == scale.COMPLETED)
        assert enrollment.progress.count() == len(plan.step_ages)
    assert list(scale.plans(50, 8)) == [scale.learner_plan(k, 50, 8) for k in range(1, 51)]

    # Reseeded through other arguments and back, in batches of 7: the same learners and states.
    seed(60, 8)
    seed(50, 8, batch_size=7)
    assert states(Series.objects.get(slug="scale-series-8")) == first
    assert_consistent(series)


def test_other_arguments_reseed_and_other_agencies_are_untouched(series):
    other = factories.AgencyFactory(name="Other Police Department")
    factories.supervisor_of(other, email="boss@example.org")
    learner = factories.learner_of(other, email="officer@example.org")
    services.enrollment_create(user=learner, series=series, source="assigned")
    reading = Component.objects.get(slug="reading")
    services.progress_start(user=learner, component=reading)
    services.progress_record(user=learner, component=reading)

    def others() -> list:
        return [
            list(Membership.objects.filter(agency=other).values()),
            list(User.objects.exclude(email__startswith="scale-").values()),
            list(Enrollment.objects.filter(user=learner).values()),
            list(Progress.objects.filter(enrollment__user=learner).values()),
            list(Series.objects.filter(pk=series.pk).values()),
        ]

    before = others()
    seed(30, 8)
    # What else can point at a scale learner goes with them (or lets go of them).
    scale_learner = User.objects.get(email=scale.learner_email(1))
    supervisor = User.objects.get(email=scale.SUPERVISOR_EMAIL)
    Reminder.objects.create(
        recipient=scale_learner,
        enrollment=scale_learner.enrollments.get(),
        agency=scale_learner.memberships.get().agency,
        kind=Reminder.Kind.NUDGE,
        step=20260101,
        sent_by=supervisor,
    )
    AdvisoryAcknowledgement.objects.create(user=scale_learner, module=Module.objects.first())
    scale_learner.groups.add(Group.objects.create(name="Scale group"))
    ExportLog.objects.create(user=scale_learner, user_email=scale_learner.email, agency=other)
    seed(40, 8)
    connection.check_constraints()  # no row points at a deleted one
    assert not Reminder.objects.exists() and not AdvisoryAcknowledgement.objects.exists()
    assert ExportLog.objects.get().user is None
    assert User.objects.get(email=scale.learner_email(1)).groups.count() == 0
    assert scale_agency().memberships.filter(role="learner").count() == 40
    assert User.objects.filter(email__startswith="scale-learner-").count() == 40
    assert assert_consistent(Series.objects.get(slug="scale-series-8"))["completed"] == 12

    out = seed(40, 5)
    assert "Deleted 40 learners" in out and "scale-series-8" in out
    assert not Series.objects.filter(slug="scale-series-8").exists()
    new = Series.objects.get(slug="scale-series-5")
    assert Enrollment.objects.filter(user__email__startswith="scale-").count() == 40
    assert Enrollment.objects.filter(series=new).count() == 40
    assert_consistent(new)
    assert others() == before
    assert set(Agency.objects.values_list("slug", flat=True)) == {other.slug, scale.AGENCY_SLUG}


class Rollback(Exception):
    pass


def learner_inserts(learners: int, batch_size: int = scale.BATCH_SIZE) -> int:
    """INSERT statements bulk_create needs for the learners' rows: one per table and batch, more
    where the database limits bound parameters per statement (999 on SQLite)."""
    plans = list(scale.plans(learners, 8))
    total = 0
    for start in range(0, learners, batch_size):
        batch = plans[start : start + batch_size]
        rows = {
            User: len(batch),
            EmailAddress: len(batch),
            Membership: len(batch),
            Enrollment: len(batch),
            Progress: sum(len(plan.step_ages) for plan in batch),
            ModuleCompletion: sum(plan.done // scale.COMPONENTS_PER_MODULE for plan in batch),
            Certificate: sum(plan.state == scale.COMPLETED for plan in batch),
        }
        for model, count in rows.items():
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            per_statement = connection.ops.bulk_batch_size(fields, [None] * count)
            total += math.ceil(count / min(batch_size, per_statement)) if count else 0
    return total


@pytest.mark.parametrize("batch_size", [scale.BATCH_SIZE, 100])
def test_query_count_grows_with_batches_not_with_learners(
    django_assert_max_num_queries, batch_size
):
    """Seeding 40 and 400 learners into an empty database takes the same statements but for the
    learners' bulk INSERTs, one per table (users, addresses, memberships, enrollments,
    certificates, progress, module completions) and batch of rows; SQLite splits them further
    by its parameter limit."""
    others = {}
    for learners in (40, 400):
        inserts = learner_inserts(learners, batch_size)
        with pytest.raises(Rollback), transaction.atomic():
            with (
                CaptureQueriesContext(connection) as ctx,
                django_assert_max_num_queries(_fixed_queries() + inserts),
            ):
                seed(learners, batch_size=batch_size)
            assert User.objects.filter(email__startswith="scale-learner-").count() == learners
            raise Rollback  # the next run starts from the same empty database
        if connection.vendor == "postgresql" and batch_size == scale.BATCH_SIZE:
            assert inserts == 7
        others[learners] = [
            q["sql"].split()[0] for q in ctx.captured_queries if not q["sql"].startswith("INSERT")
        ]
    assert others[40] == others[400]


def test_password_is_generated_and_printed_or_reset_from_the_environment(monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD")
    out = seed(20)
    password = out.rsplit("have the password: ", 1)[1].split()[0]
    assert User.objects.get(email=scale.SUPERVISOR_EMAIL).check_password(password)
    assert User.objects.get(email=scale.learner_email(20)).check_password(password)
    assert "passwords are unchanged" in seed(20)

    monkeypatch.setenv("DEMO_PASSWORD", "another-password")
    assert "reset to DEMO_PASSWORD" in seed(20)
    for email in (scale.SUPERVISOR_EMAIL, scale.learner_email(1), scale.learner_email(20)):
        assert User.objects.get(email=email).check_password("another-password")
    assert "use the password in DEMO_PASSWORD" in seed(20)


def test_an_agency_of_that_name_is_reused():
    existing = factories.AgencyFactory(name="Scale Test Agency", slug="scale", timezone="UTC")
    seed(20)
    assert Agency.objects.get(name="Scale Test Agency") == existing
    assert existing.memberships.filter(role="learner").count() == 20
    assert "already seeded" in seed(20)


def test_learners_must_be_positive():
    with pytest.raises(CommandError):
        call_command("seed_scale", "--learners", "0")
    with pytest.raises(CommandError):
        call_command("seed_scale", "--learners", "5", "--components", "0")


def test_the_learners_hold_a_real_assignment_that_the_reminder_planner_sees():
    """One whole-agency assignment by the scale supervisor; every enrollment points to it, so
    planning reminders finds the overdue learners (a fifth of them)."""
    from reminders import planner

    seed(100, 8)
    agency = scale_agency()
    assignment = Assignment.objects.get(agency=agency)
    assert assignment.everyone and assignment.created_by.email == scale.SUPERVISOR_EMAIL
    assert assignment.series.slug == scale.series_slug(8)
    enrollments = Enrollment.objects.filter(user__memberships__agency=agency)
    assert enrollments.count() == 100
    assert not enrollments.exclude(assignment=assignment).exists()
    seed(100, 8)  # a second run changes nothing
    assert Assignment.objects.filter(agency=agency).count() == 1
    planner.plan(ignore_window=True)
    overdue = Reminder.objects.filter(agency=agency, kind=Reminder.Kind.OVERDUE)
    assert overdue.values("recipient").distinct().count() == 20
