import zoneinfo
from datetime import date, datetime, timedelta

import pytest

from courses.assignments import assignment_create
from courses.models import Enrollment
from tests import factories

NY = zoneinfo.ZoneInfo("America/New_York")
# 09:00 in New York on Monday 2026-11-23: inside the sending window.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=NY)
TODAY = date(2026, 11, 23)


@pytest.fixture
def supervisor(agency):
    return factories.supervisor_of(agency, email="boss@example.org")


def assign(agency, supervisor, series, learners, *, due_on):
    assignment, _ = assignment_create(
        supervisor=supervisor, agency=agency, series=series, today=TODAY, learners=learners,
        due_on=due_on,
    )  # fmt: skip
    return assignment


@pytest.fixture
def due_in(agency, supervisor, series):
    """An assigned learner whose series is due ``days`` after TODAY (negative: overdue)."""

    def make(days: int, **learner_kwargs):
        learner = factories.learner_of(agency, **learner_kwargs)
        Enrollment.objects.filter(user=learner).delete()
        assignment = assign(agency, supervisor, series, [learner], due_on=TODAY + timedelta(30))
        Enrollment.objects.filter(user=learner, assignment=assignment).update(
            due_on=TODAY + timedelta(days=days)
        )
        return learner

    return make
