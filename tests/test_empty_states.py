"""Empty pages say what to do next."""

import pytest

from accounts.models import AgencyDomain
from courses import services as course_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor_client(client, agency, settings):
    settings.LMS_REQUIRE_MFA = False
    client.force_login(factories.supervisor_of(agency, email="sup@example.org"))
    return client


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_learner_home_with_nothing_enrolled_says_how_training_arrives(learner_client):
    """Nothing enrolled: assigned training appears here, or enroll from the catalog."""
    page = _page(learner_client, "/")
    assert "Training your supervisor assigns you appears here" in page
    assert "Browse the catalog" in page


def test_catalog_with_nothing_published_points_to_the_toolkit(learner_client):
    """No series published: say so, and offer the toolkit."""
    page = _page(learner_client, "/series/")
    assert "No training series is published yet" in page
    assert 'href="/toolkit/"' in page


def test_dashboard_without_learners_says_how_they_join_and_how_to_assign(supervisor_client, agency):
    """An agency with no enrollment: assign a series; officers join by the agency's domain."""
    AgencyDomain.objects.create(agency=agency, domain="pd.example.gov", verified=True)
    AgencyDomain.objects.create(agency=agency, domain="unverified.example.gov", verified=False)
    page = _page(supervisor_client, "/agency/")
    assert f"No learner of {agency.name} is enrolled in a series yet" in page
    assert f'href="/agency/assignments/new/?agency={agency.slug}">Assign a series</a>' in page
    assert "signing up with an address at @pd.example.gov." in page
    assert "unverified.example.gov" not in page


def test_dashboard_without_a_domain_says_to_register_one(supervisor_client, agency):
    """No registered domain: ask the administrators to add it."""
    page = _page(supervisor_client, "/agency/")
    assert "No email domain of" in page and "ask the site's administrators" in page


def test_dashboard_with_nobody_overdue_says_what_would_appear(supervisor_client, learner, series):
    """Nothing overdue: calm words on what the list would show."""
    course_services.enrollment_create(user=learner, series=series)
    page = _page(supervisor_client, "/agency/")
    assert "Nobody is overdue. Anyone who passes a due date is listed here" in page
    assert "No learner of" not in page


def test_learners_table_empty_unfiltered_says_how_to_start(supervisor_client, agency):
    """No enrollments at all: the table offers to assign a series."""
    page = _page(supervisor_client, "/agency/learners/")
    assert f"No learner of {agency.name} is enrolled in a series yet" in page
    assert "Assign a series" in page


def test_learners_table_empty_filtered_offers_to_clear(supervisor_client, agency, learner, series):
    """A filter that matches nobody says so and how to clear it."""
    course_services.enrollment_create(user=learner, series=series)
    page = _page(supervisor_client, "/agency/learners/?q=nobody-by-this-name")
    assert "No learner matches these filters" in page
    assert f'href="/agency/learners/?agency={agency.slug}">Clear the filters</a>' in page
    assert "Assign a series" not in page


def test_studio_without_series_says_how_to_start(client, settings):
    """An empty studio explains the first steps and offers “New series”."""
    settings.LMS_REQUIRE_MFA = False
    client.force_login(factories.author(email="author@example.org"))
    page = _page(client, "/studio/")
    assert "No series yet. Start one with “New series”" in page
    assert page.count('href="/studio/series/new/"') == 2
