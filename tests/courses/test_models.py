"""The database itself keeps the invariants, whatever code writes to it."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses import services
from courses.models import Component, Enrollment, Module, Progress
from tests import factories

pytestmark = pytest.mark.django_db


def _violates(write) -> bool:
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


def test_one_progress_row_per_enrollment_and_component(learner, series):
    """A second progress row for the same component is refused."""
    enrollment = services.enrollment_create(user=learner, series=series)
    component = Component.objects.get(slug="reading")
    Progress.objects.create(enrollment=enrollment, component=component)
    assert _violates(lambda: Progress.objects.create(enrollment=enrollment, component=component))


def test_one_open_cycle_per_learner_and_series(learner, series):
    """Two unfinished enrollments of one series are refused; a new cycle after completion is not."""
    first = services.enrollment_create(user=learner, series=series)
    assert _violates(lambda: Enrollment.objects.create(user=learner, series=series, cycle=2))
    Enrollment.objects.filter(pk=first.pk).update(completed_at=timezone.now(), percent_complete=100)
    # The finished cycle must hand over “current” before a new one opens.
    assert _violates(lambda: Enrollment.objects.create(user=learner, series=series, cycle=2))
    Enrollment.objects.filter(pk=first.pk).update(is_current=False)
    Enrollment.objects.create(user=learner, series=series, cycle=2)


def test_an_open_cycle_is_always_current(learner, series):
    """An unfinished enrollment cannot be marked as an old cycle."""
    enrollment = services.enrollment_create(user=learner, series=series)
    assert _violates(lambda: Enrollment.objects.filter(pk=enrollment.pk).update(is_current=False))


def test_completed_enrollment_must_be_full(learner, series):
    """A completed enrollment below 100% is refused."""
    enrollment = services.enrollment_create(user=learner, series=series)
    assert _violates(
        lambda: Enrollment.objects.filter(pk=enrollment.pk).update(completed_at=timezone.now())
    )


def test_completed_progress_needs_a_time_and_percent_stays_in_range(learner, series):
    """State and completion time agree; percent is at most 100."""
    enrollment = services.enrollment_create(user=learner, series=series)
    component = Component.objects.get(slug="reading")
    assert _violates(
        lambda: Progress.objects.create(
            enrollment=enrollment, component=component, state="completed"
        )
    )
    assert _violates(
        lambda: Progress.objects.create(enrollment=enrollment, component=component, percent=101)
    )


def test_positions_are_unique_within_their_parent(series):
    """Two modules or two components cannot share a position."""
    module = Module.objects.get(slug="understanding")
    assert _violates(lambda: factories.ModuleFactory(series=series, position=module.position))
    assert _violates(lambda: factories.ComponentFactory(module=module, position=1))


def test_component_kind_rules(series):
    """A resource component needs a resource; a video needs a file and a duration."""
    module = Module.objects.get(slug="understanding")
    assert _violates(
        lambda: factories.ComponentFactory(module=module, kind="resource", position=20)
    )
    assert _violates(
        lambda: factories.ComponentFactory(
            module=module, kind="video", position=21, duration_seconds=30
        )
    )
    assert _violates(lambda: factories.ComponentFactory(module=module, kind="game", position=22))


def test_email_is_unique_whatever_its_case(db):
    """Two users whose emails differ only in case are refused."""
    factories.UserFactory(email="officer@example.org")
    assert _violates(lambda: factories.UserFactory(email="Officer@Example.org"))
