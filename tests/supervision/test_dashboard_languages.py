"""The dashboard's kept fragments are kept per language: one supervisor's Spanish page never
shows up on another's English one."""

from datetime import date

import pytest

from courses import services as course_services
from courses.models import Enrollment

pytestmark = pytest.mark.django_db


def test_the_dashboard_keeps_its_fragments_per_language(supervisor_client, learner, series):
    course_services.enrollment_create(user=learner, series=series)
    Enrollment.objects.filter(user=learner).update(due_on=date(2025, 12, 3))
    spanish = supervisor_client.get("/agency/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    # As on the learner's pages: the month abbreviated in lower case.
    assert "3 dic 2025" in spanish
    english = supervisor_client.get("/agency/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 Dec 2025" in english
    assert "dic 2025" not in english
