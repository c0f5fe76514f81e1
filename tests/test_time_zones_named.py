"""Every time of day on the supervisor's and the studio's pages names its zone."""

import re
import zoneinfo
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from courses import services as course_services
from courses.models import Enrollment
from tests import factories
from toolkit.models import Resource

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def supervisor_client(client, agency, settings):
    settings.LMS_REQUIRE_MFA = False
    client.force_login(factories.supervisor_of(agency, email="sup@example.org"))
    return client


def test_dashboard_figures_time_names_the_agency_zone(supervisor_client, agency):
    """“Figures as of” gives the hour in the agency's zone with its abbreviation."""
    agency.timezone = "America/Los_Angeles"
    agency.save()
    page = supervisor_client.get("/agency/").content.decode()
    match = re.search(r"Figures as of <time [^>]*>(\d\d:\d\d) ([A-Z]{3})</time>", page)
    assert match, page
    los_angeles = timezone.now().astimezone(zoneinfo.ZoneInfo("America/Los_Angeles"))
    assert match.group(2) == los_angeles.strftime("%Z")  # PST or PDT, never UTC
    assert "(America/Los_Angeles)" in page


def test_learner_detail_times_are_in_the_agency_zone_and_named(
    supervisor_client, agency, learner, series
):
    """The drill-down's times follow the agency's zone (not the viewer's) and say which it is."""
    enrollment = course_services.enrollment_create(user=learner, series=series)
    started = datetime(2026, 1, 15, 17, 5, tzinfo=UTC)  # 12:05 in New York (EST)
    Enrollment.objects.filter(pk=enrollment.pk).update(last_activity_at=started)
    page = supervisor_client.get(f"/agency/learners/{learner.pk}/").content.decode()
    assert "last activity 15 Jan 2026, 12:05 EST" in page
    assert "17:05" not in page


def test_studio_link_check_time_names_its_zone(client, settings):
    """The broken-links table gives the check's time with its zone (UTC for an author of no
    agency)."""
    settings.LMS_REQUIRE_MFA = False
    author = factories.author(email="author@example.org")
    factories.ResourceFactory(
        title="A moved page",
        link_status=Resource.LinkStatus.BROKEN,
        link_http_status=404,
        link_checked_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    )
    client.force_login(author)
    page = client.get("/studio/toolkit/").content.decode()
    assert "2 Mar 2026, 09:30 UTC" in page
