"""The video heartbeat's fast path (services.progress_heartbeat): a cached plan of the component,
one read, one conditional UPDATE; and every way it must step aside for the full path."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses import content, services
from courses.models import Component, Module, Progress, Series
from tests import factories

pytestmark = pytest.mark.django_db

# Session, user, the read of the learner's row, the UPDATE. (The enrollment's last activity is
# moved on at most once a minute: a fifth, on the first heartbeat of each minute.)
STEADY_HEARTBEAT = 4


@pytest.fixture
def video(learner, series) -> Component:
    """The learner enrolled, the video opened ten minutes ago (so the clock allows credit)."""
    services.enrollment_create(user=learner, series=series)
    component = Component.objects.select_related("module__series").get(slug="intro-video")
    services.progress_start(
        user=learner, component=component, now=timezone.now() - timedelta(minutes=10)
    )
    return component


def _beat(client, component: Component, start: float, end: float):
    return client.post(
        component.get_absolute_url() + "progress/",
        data=json.dumps({"watched": [[start, end]], "position": end}),
        content_type="application/json",
    )


def _beat_directly(learner, start: float, end: float) -> services.HeartbeatResult | None:
    """The intro video's heartbeat through the service alone, for what a view cannot stage."""
    return services.progress_heartbeat(
        user=learner,
        series_slug="working-with-survivors",
        module_slug="understanding",
        component_slug="intro-video",
        watched_ranges=[[start, end]],
        position=end,
    )


def _row(learner, component: Component) -> Progress:
    return Progress.objects.get(enrollment__user=learner, component=component)


def test_a_steady_heartbeat_is_one_read_and_one_update(
    learner_client, learner, video, django_assert_max_num_queries
):
    assert _beat(learner_client, video, 0, 5).status_code == 200  # makes the plan
    with django_assert_max_num_queries(STEADY_HEARTBEAT):
        response = _beat(learner_client, video, 5, 10)
    assert response.status_code == 200
    assert response.json()["percent"] == 10
    assert _row(learner, video).watched_ranges == [[0, 10]]


def test_the_fast_path_credits_what_the_full_path_credits(learner_client, learner, video):
    """Seconds beyond what the wall clock allows are not credited, fast path or not."""
    assert _beat(learner_client, video, 0, 5).status_code == 200
    # The clock restarted at the last report: ten seconds of slack, not sixty.
    response = _beat(learner_client, video, 5, 65)
    assert response.status_code == 200
    assert response.json()["percent"] < 30
    assert response.json()["completed"] is False


def test_the_completing_heartbeat_completes_once_on_the_full_path(learner_client, learner, video):
    assert _beat(learner_client, video, 0, 10).status_code == 200
    progress = _row(learner, video)
    Progress.objects.filter(pk=progress.pk).update(clock_at=timezone.now() - timedelta(hours=1))
    response = _beat(learner_client, video, 10, 100)
    assert response.json()["completed"] is True
    assert response.json()["module_completed"] is False  # the module's document is still to do
    completed_at = _row(learner, video).completed_at
    assert completed_at is not None
    again = _beat(learner_client, video, 0, 100)
    assert again.json()["completed"] is True
    assert _row(learner, video).completed_at == completed_at


def test_an_archived_component_refuses_after_its_plan_was_cached(learner_client, learner, video):
    assert _beat(learner_client, video, 0, 5).status_code == 200
    content.component_remove(component=video)  # recorded progress: archived, not deleted
    before = _row(learner, video).watched_ranges
    assert _beat(learner_client, video, 5, 10).status_code == 404
    assert _row(learner, video).watched_ranges == before


def test_a_draft_series_refuses_after_its_plan_was_cached(learner_client, learner, video, series):
    assert _beat(learner_client, video, 0, 5).status_code == 200
    # No service puts a series with learners back to draft; the token is what is checked, so
    # renew it as any content change does.
    Series.objects.filter(pk=series.pk).update(status=Series.Status.DRAFT, content_token=7)
    assert _beat(learner_client, video, 5, 10).status_code == 404
    assert _row(learner, video).watched_ranges == [[0, 5]]


def test_a_prerequisite_added_after_the_plan_locks_the_video(learner_client, learner, video):
    """A prerequisite added while the learner watches: the next heartbeat is refused."""
    assert _beat(learner_client, video, 0, 5).status_code == 200
    first = video.module
    other = content.module_create(series=first.series, title="Before you begin")
    factories.ComponentFactory(module=other, slug="before-reading", required=True)
    content.module_update(module=first, prerequisites=[other])
    response = _beat(learner_client, video, 5, 10)
    assert response.status_code == 400
    assert "Complete the modules" in response.json()["error"]
    assert _row(learner, video).watched_ranges == [[0, 5]]


def test_a_video_behind_a_completed_prerequisite_takes_the_fast_path(
    learner_client, learner, series, django_assert_max_num_queries
):
    services.enrollment_create(user=learner, series=series)
    second = Module.objects.get(slug="first-contact")
    later = factories.video(second, slug="later-video", position=3, duration=100)
    Series.objects.filter(pk=series.pk).update(content_token=9)
    later = Component.objects.select_related("module__series").get(pk=later.pk)
    response = _beat(learner_client, later, 0, 5)
    assert response.status_code == 400  # module one not done: locked

    for slug in ("intro-video", "reading"):
        component = Component.objects.select_related("module__series").get(slug=slug)
        if component.kind == Component.Kind.VIDEO:
            opened = timezone.now() - timedelta(minutes=10)
            services.progress_start(user=learner, component=component, now=opened)
            services.progress_record(user=learner, component=component, watched_ranges=[[0, 100]])
        else:
            services.progress_record(user=learner, component=component)
    services.progress_start(
        user=learner, component=later, now=timezone.now() - timedelta(minutes=10)
    )
    assert _beat(learner_client, later, 0, 5).status_code == 200
    with django_assert_max_num_queries(STEADY_HEARTBEAT):
        assert _beat(learner_client, later, 5, 10).status_code == 200
    assert _row(learner, later).watched_ranges == [[0, 10]]


def test_a_stale_plan_is_made_again_and_the_heartbeat_still_counts(
    learner_client, learner, video, series
):
    """Content changed elsewhere (another process's plan is now stale): made again, written."""
    assert _beat(learner_client, video, 0, 5).status_code == 200
    content.series_update(series=series, summary="A calmer summary.")
    plan = services._plans[("working-with-survivors", "understanding", "intro-video")]
    assert plan.token != Series.objects.get(pk=series.pk).content_token
    beat = _beat_directly(learner, 5, 10)
    assert beat is not None
    assert _row(learner, video).watched_ranges == [[0, 10]]
    fresh = services._plans[("working-with-survivors", "understanding", "intro-video")]
    assert fresh.token == Series.objects.get(pk=series.pk).content_token


def test_a_concurrent_write_between_read_and_update_writes_nothing(learner, video, monkeypatch):
    """Another heartbeat wrote the row after this one read it: this one declines (the caller
    then takes the locked path), so neither's seconds are lost or counted twice."""
    read = services._heartbeat_read

    def read_then_someone_writes(plan, **kwargs):
        progress = read(plan, **kwargs)
        if progress is None:  # a plan left by an earlier test: made again, read again
            return None
        Progress.objects.filter(pk=progress.id).update(
            watched_ranges=[[50, 60]], updated_at=timezone.now() + timedelta(seconds=1)
        )
        return progress

    monkeypatch.setattr(services, "_heartbeat_read", read_then_someone_writes)
    beat = _beat_directly(learner, 0, 5)
    assert beat is None
    assert _row(learner, video).watched_ranges == [[50, 60]]


def test_another_learners_heartbeat_finds_no_row(client, other_learner, video):
    """The plan is shared by everyone; the row is only ever the signed-in learner's."""
    client.force_login(other_learner)
    response = _beat(client, video, 0, 5)
    assert response.status_code == 400
    assert "Enroll" in response.json()["error"]
    assert not Progress.objects.filter(enrollment__user=other_learner).exists()


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


def test_on_postgresql_a_steady_heartbeat_commits_without_waiting_for_its_flush(
    learner_client, learner, video
):
    """The fast path's write asks for an asynchronous commit in its own statement. (The test's
    transaction spans the request, so the setting is still visible after it.)"""
    if connection.vendor != "postgresql":
        pytest.skip("asynchronous commit is PostgreSQL's")
    assert _synchronous_commit() == "on"
    assert _beat(learner_client, video, 0, 5).status_code == 200
    assert _row(learner, video).watched_ranges == [[0, 5]]
    assert _synchronous_commit() == "off"


def test_a_completing_heartbeat_waits_for_its_commit(learner_client, learner, video):
    """A completion takes the full path, which never turns synchronous commit off."""
    assert _beat(learner_client, video, 0, 10).status_code == 200
    progress = _row(learner, video)
    Progress.objects.filter(pk=progress.pk).update(clock_at=timezone.now() - timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        response = _beat(learner_client, video, 10, 100)
    assert response.json()["completed"] is True
    assert not [q["sql"] for q in queries if "synchronous_commit" in q["sql"]]


def test_a_learner_who_prefers_spanish_pays_no_query_more_per_heartbeat(
    learner_client, learner, video, django_assert_max_num_queries
):
    """The preferred language comes with the user the heartbeat loads anyway."""
    learner.preferred_language = "es"
    learner.save(update_fields=["preferred_language"])
    assert _beat(learner_client, video, 0, 5).status_code == 200
    with django_assert_max_num_queries(STEADY_HEARTBEAT):
        response = _beat(learner_client, video, 5, 10)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "es"
