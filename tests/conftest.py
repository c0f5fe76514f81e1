import os

import pytest
from hypothesis import settings as hypothesis_settings

from courses.importing import MEDIA_DIR
from tests import factories

# CI (CI=true) draws the same Hypothesis examples on every run, so a commit's CI repeats exactly
# and a red run is reproduced by running it again; a developer's runs explore new examples each
# time (the fuzz's failures print a @reproduce_failure blob).
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI", "") not in ("", "0", "false"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Every test gets its own media folder holding the shipped demo video and its captions."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "videos").mkdir(parents=True)
    video = MEDIA_DIR / "demo-training-video.webm"
    (settings.MEDIA_ROOT / "videos" / video.name).write_bytes(video.read_bytes())
    (settings.MEDIA_ROOT / "captions").mkdir()
    for captions in MEDIA_DIR.glob("*.vtt"):
        (settings.MEDIA_ROOT / "captions" / captions.name).write_bytes(captions.read_bytes())


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Each test starts in the site's default language. A request through the test client
    leaves its language active in the thread (LocaleMiddleware activates, nothing deactivates),
    so a later test's service call would otherwise speak the last request's language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """No cached page figures carry over from one test to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def services_required() -> bool:
    return os.environ.get("REQUIRE_SERVICES", "") not in ("", "0", "false")


@pytest.fixture
def agency(db):
    return factories.AgencyFactory(name="Demo Police Department")


@pytest.fixture
def other_agency(db):
    return factories.AgencyFactory(name="Neighbouring Sheriff's Office")


@pytest.fixture
def learner(agency):
    return factories.learner_of(agency, email="learner@example.org", full_name="Jordan Ellis")


@pytest.fixture
def learner_client(client, learner):
    """The test client, signed in as the learner."""
    client.force_login(learner)
    return client


@pytest.fixture
def other_learner(other_agency):
    return factories.learner_of(other_agency, email="other@example.org", full_name="Casey Porter")


@pytest.fixture
def series(db):
    """A published series: module one (video, document) and module two (document, resource),
    module two building on module one."""
    series = factories.SeriesFactory(
        slug="working-with-survivors", title="Working with Victims and Survivors"
    )
    first = factories.ModuleFactory(series=series, slug="understanding", position=1)
    factories.video(first, slug="intro-video", position=1, duration=100)
    factories.ComponentFactory(module=first, slug="reading", position=2)
    second = factories.ModuleFactory(series=series, slug="first-contact", position=2)
    second.prerequisites.add(first)
    factories.ComponentFactory(module=second, slug="checklist", position=1)
    factories.resource_component(second, slug="support", position=2)
    return series
