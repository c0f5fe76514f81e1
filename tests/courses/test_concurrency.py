"""Concurrent requests against PostgreSQL's row locks: nothing lost, nothing doubled."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from certificates.models import Certificate
from courses import services
from courses.models import Component, Enrollment, ModuleCompletion, Progress
from tests.conftest import services_required

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        if services_required():
            pytest.fail("REQUIRE_SERVICES is set but the tests are not running on PostgreSQL")
        pytest.skip("concurrency is checked on PostgreSQL (set DATABASE_URL); SQLite serialises")


def _race(target, arguments):
    """Run target(arg) in one thread per argument, all released at once; re-raise failures."""
    barrier = threading.Barrier(len(arguments))
    results, errors = [], []

    def run(argument):
        try:
            barrier.wait(timeout=10)
            results.append(target(argument))
        except Exception as exc:  # collected and re-raised in the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    if errors:
        raise errors[0]
    return results


def test_concurrent_enrolments_make_one_enrollment(learner, series):
    """Eight simultaneous “Enrol” presses make one enrollment."""
    results = _race(
        lambda _: services.enrollment_create(user=learner, series=series), range(THREADS)
    )
    assert len({e.pk for e in results}) == 1
    assert Enrollment.objects.filter(user=learner, series=series).count() == 1


def test_concurrent_completions_complete_once(learner, series):
    """Eight simultaneous “I have read this” make one progress row and one completion."""
    services.enrollment_create(user=learner, series=series)
    reading = Component.objects.get(slug="reading")
    results = _race(
        lambda _: services.progress_record(user=learner, component=reading), range(THREADS)
    )
    assert sum(r.component_completed for r in results) == 1
    assert Progress.objects.filter(component=reading).count() == 1


def test_concurrent_video_reports_lose_no_seconds(learner, series):
    """Heartbeats racing each other keep every second each one reported."""
    enrollment = services.enrollment_create(user=learner, series=series)
    video = Component.objects.get(slug="intro-video")
    services.progress_start(user=learner, component=video, now=timezone.now() - timedelta(hours=1))
    chunks = [[[i * 10, i * 10 + 10]] for i in range(10)]  # 10 × 10 s of a 100 s video
    results = _race(
        lambda ranges: services.progress_record(
            user=learner, component=video, watched_ranges=ranges
        ),
        chunks,
    )
    progress = Progress.objects.get(component=video)
    assert progress.watched_ranges == [[0, 100]]
    assert progress.percent == 100
    assert sum(r.component_completed for r in results) == 1
    assert Progress.objects.filter(enrollment=enrollment).count() == 1


def test_concurrent_last_components_complete_the_series_once(learner, series):
    """The two last components finishing at the same moment complete the series exactly once."""
    services.enrollment_create(user=learner, series=series)
    parts = {c.slug: c for c in Component.objects.all()}
    now = timezone.now()
    video = parts["intro-video"]
    services.progress_start(user=learner, component=video, now=now - timedelta(hours=1))
    services.progress_record(user=learner, component=video, watched_ranges=[[0, 100]])
    services.progress_record(user=learner, component=parts["reading"])
    results = _race(
        lambda slug: services.progress_record(user=learner, component=parts[slug]),
        ["checklist", "support"],
    )
    assert sum(r.series_completed for r in results) == 1
    enrollment = Enrollment.objects.get(user=learner)
    assert enrollment.completed_at is not None
    assert ModuleCompletion.objects.filter(enrollment=enrollment).count() == 2
    # The certificate is issued with the completion, exactly once.
    assert Certificate.objects.filter(enrollment=enrollment).count() == 1


def _learners_one_step_from_done(agency, series, count):
    """``count`` learners of the series with everything done but the toolkit resource."""
    from tests import factories

    parts = {c.slug: c for c in Component.objects.filter(module__series=series)}
    learners = []
    for _ in range(count):
        learner = factories.learner_of(agency)
        services.enrollment_create(user=learner, series=series)
        services.progress_start(
            user=learner, component=parts["intro-video"], now=timezone.now() - timedelta(hours=1)
        )
        services.progress_record(
            user=learner, component=parts["intro-video"], watched_ranges=[[0, 100]]
        )
        for slug in ("reading", "checklist"):
            services.progress_record(user=learner, component=parts[slug])
        learners.append(learner)
    return learners, parts["support"]


@pytest.mark.parametrize("change", ["optional", "new required"])
def test_content_changes_racing_learners_keep_the_completion_rule(agency, series, change):
    """An author's change (with the set-based recomputation after it) racing learners who finish
    their last component: no deadlock, every completion recorded once, and every open
    enrollment's percent as the rule says once both are done."""
    from courses import completion, content

    learners, support = _learners_one_step_from_done(agency, series, 12)

    def act(who):
        if who is None:
            if change == "optional":
                return content.component_update(component=support, required=False)
            module = support.module
            return content.component_create(
                module=module, kind="document", title="Added", body="Read.", required=True
            )
        return services.progress_record(user=who, component=support)

    _race(act, [None, *learners])
    required = completion.requirements(series_id=series.pk).all
    for enrollment in Enrollment.objects.filter(series=series):
        done = set(
            Progress.objects.filter(
                enrollment=enrollment, state=Progress.State.COMPLETED
            ).values_list("component_id", flat=True)
        )
        if enrollment.completed_at is not None:
            assert enrollment.percent_complete == 100
        else:
            assert not required <= done
            assert enrollment.percent_complete == 100 * len(required & done) // len(required)
        assert ModuleCompletion.objects.filter(enrollment=enrollment).count() <= 2
    completed = Enrollment.objects.filter(series=series, completed_at__isnull=False)
    assert Certificate.objects.count() == completed.count()
    assert not Certificate.objects.exclude(enrollment__in=completed).exists()
    if change == "optional":
        assert not Enrollment.objects.filter(series=series, completed_at__isnull=True).exists()
