"""The public wellness page that the footer links to from every page."""

import pytest

from tests import factories
from toolkit.models import Resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def care_resources(db):
    coping = factories.ResourceFactory(
        slug="ncmec-coping-with-csam-exposure",
        title="NCMEC - Coping with CSAM Exposure",
        category=Resource.Category.SURVIVOR_CARE,
    )
    other = factories.ResourceFactory(
        slug="aaa-reconnecting",
        title="Reconnecting with Your Child (NCTSN)",
        category=Resource.Category.SURVIVOR_CARE,
    )
    retired = factories.ResourceFactory(
        title="A retired care sheet", category=Resource.Category.SURVIVOR_CARE, is_active=False
    )
    research = factories.ResourceFactory(
        title="Trends in Online CSAM", category=Resource.Category.RESEARCH
    )
    return coping, other, retired, research


def test_signed_out_visitor_opens_the_wellness_page(client, care_resources):
    """A signed-out visitor gets the page itself (200), not a redirect to sign in."""
    response = client.get("/wellness/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "988" in page
    assert "Employee Assistance Program" in page


def test_wellness_page_lists_survivor_care_coping_first(client, care_resources):
    """Listed survivor-care resources only, NCMEC's coping sheet first."""
    coping, other, retired, research = care_resources
    page = client.get("/wellness/").content.decode()
    assert coping.title in page and other.title in page
    assert page.index(coping.title) < page.index(other.title)
    assert retired.title not in page
    assert research.title not in page


def test_footer_links_to_the_wellness_page_signed_out_and_in(client, learner):
    """The footer's link leads to the public page for everyone."""
    assert 'href="/wellness/"' in client.get("/").content.decode()
    client.force_login(learner)
    assert 'href="/wellness/"' in client.get("/").content.decode()


def test_wellness_page_shows_no_learner_data(client, learner, series, care_resources):
    """Signed out, the page names no user and offers no signed-in navigation."""
    from courses import services as course_services

    course_services.enrollment_create(user=learner, series=series)
    page = client.get("/wellness/").content.decode()
    for secret in (learner.email, learner.full_name, series.title, "My training", "Sign out"):
        assert secret not in page
    assert "Sign in" in page


def test_wellness_page_only_answers_get(client):
    """A POST is refused (405), like the other read-only pages."""
    assert client.post("/wellness/").status_code == 405
