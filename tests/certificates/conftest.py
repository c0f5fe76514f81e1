"""Fixtures for the certificates' tests: a series that carries credit, and a learner who
completed it (through the same services the product uses)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from certificates.models import Certificate
from courses import services
from courses.models import Component, Enrollment, Series


def finish(user, series: Series, *, now: datetime | None = None) -> Enrollment:
    """Enrol ``user`` and complete every live component of ``series``, in order."""
    services.enrollment_create(user=user, series=series)
    for component in (
        Component.objects.live()
        .filter(module__series=series, required=True)
        .order_by("module__position", "position")
    ):
        if component.kind == Component.Kind.VIDEO:
            start = (now or timezone.now()) - timedelta(hours=1)
            services.progress_start(user=user, component=component, now=start)
            services.progress_record(
                user=user,
                component=component,
                watched_ranges=[[0, component.duration_seconds]],
                now=now,
            )
        else:
            services.progress_record(user=user, component=component, now=now)
    return Enrollment.objects.get(user=user, series=series, is_current=True)


@pytest.fixture
def credited(series) -> Series:
    Series.objects.filter(pk=series.pk).update(
        credit_hours=Decimal("1.5"), credit_type="POST CPT", provider="NCMEC"
    )
    series.refresh_from_db()
    return series


@pytest.fixture
def certificate(learner, credited) -> Certificate:
    """Jordan Ellis's certificate for the credited series, completed on 9 March 2026 (New York)."""
    enrollment = finish(learner, credited, now=datetime(2026, 3, 9, 15, 0, tzinfo=UTC))
    return Certificate.objects.get(enrollment=enrollment)
