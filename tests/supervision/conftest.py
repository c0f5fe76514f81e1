from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Membership, User
from certificates.models import TrainingRule
from certificates.rules import training_rule_set
from courses.models import Enrollment
from tests import factories


def bulk_learners(agency, series, count: int, *, prefix: str = "bulk") -> list[User]:
    """``count`` learners of ``agency`` enrolled in ``series`` in a mix of states, in bulk.

    Index mod 4: 0 not started, 1 in progress, 2 completed, 3 overdue.
    """
    now = timezone.now()
    today = timezone.localdate()
    users = User.objects.bulk_create(
        [
            User(
                email=f"{prefix}{i}@{agency.slug}.example.org", full_name=f"Learner {prefix} {i:04}"
            )
            for i in range(count)
        ]
    )
    users = list(
        User.objects.filter(email__startswith=prefix, email__endswith=f"@{agency.slug}.example.org")
    )
    Membership.objects.bulk_create(
        [Membership(user=u, agency=agency, role=Membership.Role.LEARNER) for u in users]
    )
    enrollments = []
    for i, user in enumerate(sorted(users, key=lambda u: u.email)):
        kind = i % 4
        enrollments.append(
            Enrollment(
                user=user,
                series=series,
                source=Enrollment.Source.ASSIGNED,
                due_on=today - timedelta(days=3) if kind == 3 else today + timedelta(days=30),
                started_at=now - timedelta(days=10) if kind in (1, 2, 3) else None,
                last_activity_at=now - timedelta(days=i % 9) if kind in (1, 2, 3) else None,
                completed_at=now - timedelta(days=7 * (i % 20)) if kind == 2 else None,
                percent_complete=100 if kind == 2 else (50 if kind in (1, 3) else 0),
            )
        )
    Enrollment.objects.bulk_create(enrollments)
    return users


@pytest.fixture
def supervisor(agency):
    return factories.supervisor_of(agency, email="sup@example.org", full_name="Sam Carter")


@pytest.fixture
def other_supervisor(other_agency):
    return factories.supervisor_of(other_agency, email="sup2@example.org", full_name="Robin Diaz")


@pytest.fixture
def supervisor_client(client, supervisor, settings):
    settings.LMS_REQUIRE_MFA = False
    client.force_login(supervisor)
    return client


@pytest.fixture
def rule(agency, supervisor) -> TrainingRule:
    """The agency's continuing-training rule: 4 hours of POST CPT every 24 months."""
    return training_rule_set(
        by=supervisor,
        agency=agency,
        credit_type="POST CPT",
        hours_required=Decimal("4"),
        cycle_months=24,
        cycle_ends_on=date(2026, 12, 31),
    )
