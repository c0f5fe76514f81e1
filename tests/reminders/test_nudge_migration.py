"""The nudges table became rows of the reminder outbox: the migration keeps their history."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

OLD = {"reminders": "0002_beat_schedule", "supervision": "0001_initial"}
NEW = {"reminders": "0004_copy_nudges", "supervision": "0002_delete_nudge"}


def _targets(executor: MigrationExecutor, names: dict[str, str]) -> list[tuple[str, str]]:
    """Every app at its latest migration except the two named ones."""
    leaves = executor.loader.graph.leaf_nodes()
    return [(app, names.get(app, name)) for app, name in leaves]


@pytest.mark.django_db(transaction=True)
def test_nudges_are_copied_into_the_outbox():
    executor = MigrationExecutor(connection)
    before = _targets(executor, OLD)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    User = apps.get_model("accounts", "User")
    Agency = apps.get_model("accounts", "Agency")
    Membership = apps.get_model("accounts", "Membership")
    Series = apps.get_model("courses", "Series")
    Enrollment = apps.get_model("courses", "Enrollment")
    Nudge = apps.get_model("supervision", "Nudge")

    agency = Agency.objects.create(name="Migration PD", slug="migration-pd")
    learner = User.objects.create(email="learner@migration.example")
    drifter = User.objects.create(email="drifter@migration.example")  # in no agency any more
    boss = User.objects.create(email="boss@migration.example")
    Membership.objects.create(user=learner, agency=agency, role="learner")
    series = Series.objects.create(slug="migration-series", title="Migration series")
    enrollment = Enrollment.objects.create(user=learner, series=series, cycle=2)
    other = Enrollment.objects.create(user=drifter, series=series)
    sent_at = timezone.now()
    Nudge.objects.create(
        learner=learner,
        enrollment=enrollment,
        sent_by=boss,
        sent_on=date(2026, 3, 4),
        status="sent",
        sent_at=sent_at,
    )
    Nudge.objects.create(
        learner=learner, enrollment=enrollment, sent_by=boss, sent_on=date(2026, 3, 5)
    )
    Nudge.objects.create(learner=drifter, enrollment=other, sent_on=date(2026, 3, 4))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    after = _targets(executor, NEW)
    executor.migrate(after)
    apps = executor.loader.project_state(after).apps
    Reminder = apps.get_model("reminders", "Reminder")
    rows = list(
        Reminder.objects.order_by("step").values(
            "recipient_id", "agency_id", "kind", "step", "cycle", "sent_by_id", "status", "sent_at"
        )
    )
    assert rows == [
        {
            "recipient_id": learner.pk,
            "agency_id": agency.pk,
            "kind": "nudge",
            "step": 20260304,
            "cycle": 2,
            "sent_by_id": boss.pk,
            "status": "sent",
            "sent_at": sent_at,
        },
        {
            # Never sent on its day: not sent now, weeks later.
            "recipient_id": learner.pk,
            "agency_id": agency.pk,
            "kind": "nudge",
            "step": 20260305,
            "cycle": 2,
            "sent_by_id": boss.pk,
            "status": "failed",
            "sent_at": None,
        },
    ]
    # Leave the database at the latest state for the tests after this one.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
