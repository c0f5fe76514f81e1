"""A module's content advisory is enforced by the progress service, not only by the pages: no
progress is recorded in such a module until the learner has acknowledged it."""

import json

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from courses import services
from courses.models import Component, Module, Progress

MODULE_URL = "/series/working-with-survivors/understanding/"
READING_URL = MODULE_URL + "reading/progress/"
VIDEO_URL = MODULE_URL + "intro-video/progress/"


@pytest.fixture
def module(series) -> Module:
    module = series.modules.get(slug="understanding")
    module.content_advisory = "This module discusses the impact of CSAM on survivors."
    module.save(update_fields=["content_advisory"])
    return module


@pytest.fixture
def learner_client(client, learner, series, module) -> Client:
    services.enrollment_create(user=learner, series=series)
    client.force_login(learner)
    return client


def _component(slug: str) -> Component:
    return Component.objects.select_related("module__series").get(slug=slug)


def test_direct_read_post_is_refused_before_the_advisory(learner_client):
    """POSTing “I have read this” without the advisory records nothing and says why."""
    response = learner_client.post(READING_URL)
    assert response.status_code == 302
    assert "content advisory" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert not Progress.objects.exists()


def test_direct_heartbeat_is_refused_before_the_advisory(learner_client):
    """A player's heartbeat sent straight to the endpoint is a 400 and creates no row."""
    response = learner_client.post(
        VIDEO_URL, json.dumps({"watched": [[0, 10]]}), content_type="application/json"
    )
    assert response.status_code == 400
    assert "content advisory" in response.json()["error"]
    assert not Progress.objects.exists()


def test_after_acknowledging_the_advisory_progress_is_recorded(learner_client, learner, module):
    """Once the learner has read the advisory (through its page), the same POST completes."""
    learner_client.post(MODULE_URL + "advisory/")
    learner_client.post(READING_URL)
    assert Progress.objects.get(component__slug="reading").is_complete


def test_service_refuses_to_start_a_component_before_the_advisory(learner_client, learner, module):
    """Every way in (pages, quizzes, surveys) creates its row in progress_for_update."""
    with pytest.raises(services.ProgressRefused, match="content advisory"):
        services.progress_start(user=learner, component=_component("reading"))
    services.advisory_acknowledge(user=learner, module=module)
    assert services.progress_start(user=learner, component=_component("reading")).pk


def test_another_learners_acknowledgement_does_not_count(learner_client, other_learner, module):
    """The acknowledgement is the learner's own."""
    services.advisory_acknowledge(user=other_learner, module=module)
    learner_client.post(READING_URL)
    assert not Progress.objects.exists()


def test_a_module_without_an_advisory_needs_no_acknowledgement(learner_client, learner, module):
    """Modules without an advisory are unaffected."""
    module.content_advisory = ""
    module.save(update_fields=["content_advisory"])
    services.progress_record(user=learner, component=_component("reading"))
    assert Progress.objects.get(component__slug="reading").is_complete
