"""Learner pages make a fixed number of database queries, however much data there is.

Bounds were measured on SQLite and PostgreSQL (the same counts on both). They include the session
and user lookups and, inside the test transaction, the SAVEPOINT and RELEASE of each atomic block.
"""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from courses import services
from courses.models import Component, Enrollment, Module
from tests import factories

HOME = 3
CATALOGUE = 4
SERIES_PAGE = 10
MODULE_PAGE = 10
ADVISORY_PAGE = 10
VIDEO_PAGE = 18
DOCUMENT_PAGE = 18
RESOURCE_PAGE = 17
RESOURCE_OPEN = 24
TOOLKIT = 3
PROGRESS_HEARTBEAT = 8  # the first heartbeat: its plan made, last activity moved on
PROGRESS_DOCUMENT_READ = 14

SERIES_URL = "/series/working-with-survivors/"


@pytest.fixture
def enrolled(learner, series) -> Enrollment:
    return services.enrollment_create(user=learner, series=series)


def _component(slug: str) -> Component:
    return Component.objects.select_related("module__series").get(slug=slug)


def _complete(user, component: Component) -> None:
    if component.kind == Component.Kind.VIDEO:
        opened = timezone.now() - timedelta(minutes=10)
        services.progress_start(user=user, component=component, now=opened)
        services.progress_record(
            user=user, component=component, watched_ranges=[[0, component.duration_seconds]]
        )
    else:
        services.progress_record(user=user, component=component)


def _enrol_in_many_series(user, count: int) -> None:
    """``count`` one-module series: a third completed, a third due soon, a third undated."""
    today = timezone.localdate()
    for i in range(count):
        series = factories.SeriesFactory()
        module = factories.ModuleFactory(series=series, position=1)
        document = factories.ComponentFactory(module=module, position=1)
        due_on = today + timedelta(days=i) if i % 3 == 1 else None
        services.enrollment_create(user=user, series=series, due_on=due_on)
        if i % 3 == 0:
            _complete(user, document)


def _series_with_modules(user, count: int) -> str:
    """A series of ``count`` chained modules (video and document each), the first completed,
    every other one with a content advisory. Returns its URL."""
    series = factories.SeriesFactory(slug="long-series")
    previous = None
    for position in range(1, count + 1):
        module = factories.ModuleFactory(
            series=series,
            position=position,
            content_advisory="Difficult material." if position % 2 == 0 else "",
        )
        if previous is not None:
            module.prerequisites.add(previous)
        factories.video(module, position=1)
        factories.ComponentFactory(module=module, position=2)
        previous = module
    services.enrollment_create(user=user, series=series)
    first = Module.objects.get(series=series, position=1)
    for component in first.components.select_related("module__series"):
        _complete(user, component)
    return series.get_absolute_url()


@pytest.mark.parametrize("enrollments", [1, 20])
def test_home_queries_do_not_grow_with_enrollments(
    learner_client, learner, django_assert_max_num_queries, enrollments
):
    """The learner home makes a fixed number of queries for 1 or 20 enrollments."""
    _enrol_in_many_series(learner, enrollments)
    with django_assert_max_num_queries(HOME):
        response = learner_client.get("/")
    assert response.content.count(b"card-series") == enrollments


@pytest.mark.parametrize("series_count", [1, 20])
def test_catalogue_queries_do_not_grow_with_series(
    learner_client, learner, django_assert_max_num_queries, series_count
):
    """The catalogue makes a fixed number of queries for 1 or 20 series, enrolled in each."""
    _enrol_in_many_series(learner, series_count)
    with django_assert_max_num_queries(CATALOGUE):
        response = learner_client.get("/series/")
    assert response.content.count(b"card-series") == series_count


@pytest.mark.parametrize("modules", [2, 10])
def test_series_page_queries_do_not_grow_with_modules(
    learner_client, learner, django_assert_max_num_queries, modules
):
    """The series page makes a fixed number of queries for 2 or 10 modules."""
    url = _series_with_modules(learner, modules)
    with django_assert_max_num_queries(SERIES_PAGE):
        response = learner_client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"Contains 2 Component(s)") == modules


def test_series_page_query_bound_for_enrolled_learner(
    learner_client, enrolled, django_assert_max_num_queries
):
    """The seed-shaped series page stays within its bound."""
    with django_assert_max_num_queries(SERIES_PAGE):
        assert learner_client.get(SERIES_URL).status_code == 200


def test_module_page_query_bound(learner_client, enrolled, django_assert_max_num_queries):
    """The module page stays within its bound."""
    with django_assert_max_num_queries(MODULE_PAGE):
        assert learner_client.get(SERIES_URL + "understanding/").status_code == 200


def test_advisory_page_query_bound(learner_client, enrolled, django_assert_max_num_queries):
    """The content advisory page stays within its bound."""
    Module.objects.filter(slug="understanding").update(content_advisory="Difficult material.")
    with django_assert_max_num_queries(ADVISORY_PAGE):
        assert learner_client.get(SERIES_URL + "understanding/advisory/").status_code == 200


@pytest.mark.parametrize(
    ("slug", "bound"),
    [("intro-video", VIDEO_PAGE), ("reading", DOCUMENT_PAGE), ("support", RESOURCE_PAGE)],
)
def test_component_page_query_bound(
    learner_client, learner, enrolled, django_assert_max_num_queries, slug, bound
):
    """Each kind of component page stays within its bound on a first visit (the row is created)."""
    if slug == "support":  # its module builds on the first one
        for component in Module.objects.get(slug="understanding").components.all():
            _complete(learner, _component(component.slug))
    url = _component(slug).get_absolute_url()
    with django_assert_max_num_queries(bound):
        assert learner_client.get(url).status_code == 200


def test_resource_open_query_bound(
    learner_client, learner, enrolled, django_assert_max_num_queries
):
    """Opening a resource (which completes it) stays within its bound."""
    for component in Module.objects.get(slug="understanding").components.all():
        _complete(learner, _component(component.slug))
    url = _component("support").get_absolute_url() + "open/"
    with django_assert_max_num_queries(RESOURCE_OPEN):
        assert learner_client.get(url).status_code == 302


@pytest.mark.parametrize("resources", [1, 20])
def test_toolkit_queries_do_not_grow_with_resources(
    learner_client, db, django_assert_max_num_queries, resources
):
    """The toolkit makes a fixed number of queries for 1 or 20 resources, searched or not."""
    factories.ResourceFactory.create_batch(resources)
    with django_assert_max_num_queries(TOOLKIT):
        assert learner_client.get("/toolkit/").status_code == 200
    with django_assert_max_num_queries(TOOLKIT):
        response = learner_client.get("/toolkit/", {"q": "resource", "folder": "csam"})
    assert response.status_code == 200


def test_progress_heartbeat_query_bound(learner_client, enrolled, django_assert_max_num_queries):
    """A video heartbeat (JSON progress POST) stays within its bound."""
    url = _component("intro-video").get_absolute_url()
    learner_client.get(url)
    with django_assert_max_num_queries(PROGRESS_HEARTBEAT):
        response = learner_client.post(
            url + "progress/",
            data=json.dumps({"watched": [[0, 5]], "position": 5}),
            content_type="application/json",
        )
    assert response.status_code == 200


def test_progress_document_read_query_bound(
    learner_client, enrolled, django_assert_max_num_queries
):
    """“I have read this”, which completes the document, stays within its bound."""
    url = _component("reading").get_absolute_url()
    learner_client.get(url)
    with django_assert_max_num_queries(PROGRESS_DOCUMENT_READ):
        assert learner_client.post(url + "progress/").status_code == 302
