"""The fault test's data, written into its scratch database by a subprocess of its own.

    python -m tests.integration.faults_data <learners> <reminded> <sweep_seconds> [apart]

with ``DJANGO_SETTINGS_MODULE`` and ``DATABASE_URL`` naming the scratch database: migrates it,
then writes an agency with a supervisor, a series (a long video, a row of documents and one more
document nobody reads, so no one completes the series), ``learners`` learners who will record
progress and ``reminded`` more, every one of them assigned the series due today (with
``apart``, only the learners: the ``reminded`` ones are due in 30 days, left for the
supervisor's nudges, since a learner gets one reminder email a day). Signs the
learners and the supervisor in (sessions in the database, as a browser's sign-in leaves them).
The beat's reminder sweep is set to run every ``sweep_seconds`` (the schedule is data: Django
admin → Periodic tasks) and the other periodic tasks are paused. Prints what the test needs as
one JSON line.
"""

from __future__ import annotations

import json
import sys

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django_celery_beat.models import IntervalSchedule, PeriodicTask  # noqa: E402

from accounts.models import Membership, User  # noqa: E402
from courses.assignments import assignment_create  # noqa: E402
from courses.models import Enrollment  # noqa: E402
from tests import factories  # noqa: E402

DOCUMENTS = 40
VIDEO_SECONDS = 4 * 3600


def session_of(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def seed(learners: int, reminded: int, sweep_seconds: int, *, apart: bool = False) -> dict:
    call_command("migrate", verbosity=0)
    agency = factories.AgencyFactory(name="Fault Test Police Department", slug="faults")
    supervisor = factories.supervisor_of(agency, email="faults-supervisor@example.org")
    series = factories.SeriesFactory(slug="faults-series", title="Fault test series")
    module = factories.ModuleFactory(series=series, slug="only-module", position=1)
    video = factories.video(module, slug="long-video", position=1, duration=VIDEO_SECONDS)
    documents = [
        factories.ComponentFactory(module=module, slug=f"reading-{i:02}", position=i + 2)
        for i in range(DOCUMENTS)
    ]
    factories.ComponentFactory(module=module, slug="unread", position=DOCUMENTS + 2)

    User.objects.bulk_create(
        User(email=f"faults-{i:04}@example.org", full_name=f"Learner {i}")
        for i in range(learners + reminded)
    )
    users = list(User.objects.filter(email__startswith="faults-0").order_by("email"))
    Membership.objects.bulk_create(
        Membership(user=user, agency=agency, role=Membership.Role.LEARNER) for user in users
    )
    today = agency.today()
    assignment, _ = assignment_create(
        supervisor=supervisor, agency=agency, series=series, today=today, learners=users,
        due_in_days=30,
    )  # fmt: skip
    # Due today: the planner writes one “due today” reminder for each of them.
    due_today = users[:learners] if apart else users
    Enrollment.objects.filter(assignment=assignment, user__in=due_today).update(due_on=today)

    every, _ = IntervalSchedule.objects.get_or_create(
        every=sweep_seconds, period=IntervalSchedule.SECONDS
    )
    for task in PeriodicTask.objects.all():
        if task.task == "reminders.tasks.sweep_reminders":
            task.interval, task.enabled = every, True
        else:
            task.enabled = False  # the test plans reminders itself, once
        task.save()

    clients, others = users[:learners], users[learners:]
    return {
        "agency": agency.slug,
        "video": video.get_absolute_url(),
        "documents": [document.get_absolute_url() for document in documents],
        "learners": [{"id": user.pk, "session": session_of(user)} for user in clients],
        "supervisor": session_of(supervisor),
        "nudge": [{"id": user.pk, "email": user.email} for user in others],
    }


if __name__ == "__main__":
    learners, reminded, sweep_seconds = map(int, sys.argv[1:4])
    print(json.dumps(seed(learners, reminded, sweep_seconds, apart=sys.argv[4:] == ["apart"])))
