"""The replica test's Django process, run on the test's own primary (and replica):

    python -m tests.integration.replica_probe seed     # migrate; an agency, its supervisor, a
                                                       # series and learner "before" enrolled
    python -m tests.integration.replica_probe later    # learner "after" joins and enrolls
    python -m tests.integration.replica_probe look     # what the pages show (Django test client)

with ``DJANGO_SETTINGS_MODULE``, ``DATABASE_URL`` and (for ``look``) ``DATABASE_REPLICA_URL``
set by the test. ``look`` prints one JSON line: which learners the supervisor's export, learners
table and dashboard list, and whether learner "after" could open their home page and record a
document read (reads and a write that need the primary: the replica may not know them yet).
"""

from __future__ import annotations

import csv
import io
import json
import sys

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from accounts.models import Agency, User  # noqa: E402
from courses import services as course_services  # noqa: E402
from courses.models import Component, Progress, Series  # noqa: E402
from tests import factories  # noqa: E402

BEFORE = "before@replica.example.org"
AFTER = "after@replica.example.org"
SUPERVISOR = "supervisor@replica.example.org"


def seed() -> dict:
    call_command("migrate", verbosity=0)
    agency = factories.AgencyFactory(name="Replica Police Department", slug="replica")
    factories.supervisor_of(agency, email=SUPERVISOR)
    series = factories.SeriesFactory(slug="replica-series", title="Replica series")
    module = factories.ModuleFactory(series=series, slug="only-module", position=1)
    factories.ComponentFactory(module=module, slug="reading", position=1)
    learner = factories.learner_of(agency, email=BEFORE, full_name="Before Pause")
    course_services.enrollment_create(user=learner, series=series)
    return {"agency": agency.pk}


def later() -> dict:
    agency = Agency.objects.get(slug="replica")
    learner = factories.learner_of(agency, email=AFTER, full_name="After Pause")
    series = Series.objects.get(slug="replica-series")
    course_services.enrollment_create(user=learner, series=series)
    return {"learner": learner.pk}


def look() -> dict:
    supervisor = Client()
    supervisor.force_login(User.objects.get(email=SUPERVISOR))
    export = supervisor.get("/agency/export.csv")
    assert export.status_code == 200, export
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    table = supervisor.get("/agency/learners/")
    assert table.status_code == 200, table
    dashboard = supervisor.get("/agency/")
    assert dashboard.status_code == 200, dashboard
    seen = {"export": sorted(row["learner_email"] for row in rows)}
    seen["table"] = sorted(e for e in (BEFORE, AFTER) if e.encode() in table.content)
    learner_page, progress_written = None, None
    after = User.objects.filter(email=AFTER).first()
    if after is not None:
        learner = Client()
        learner.force_login(after)
        home = learner.get("/")
        learner_page = home.status_code == 200 and b"Replica series" in home.content
        document = Component.objects.get(slug="reading")
        url = "/series/replica-series/only-module/reading/"
        opened = learner.get(url)
        progress_written = (
            opened.status_code == 200
            and Progress.objects.filter(enrollment__user=after, component=document).exists()
        )
    seen["learner_page"] = learner_page
    seen["learner_progress_written"] = progress_written
    return seen


if __name__ == "__main__":
    step = {"seed": seed, "later": later, "look": look}[sys.argv[1]]
    print(json.dumps(step()))
