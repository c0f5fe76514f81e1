"""The domain's events in the security log, each recorded where the action is decided, with
actor, target, source address and outcome: assignments, exports, supervisors opening learners'
records, certificate revocation and content publication. (Memberships and accounts:
tests/supervision/test_leaving.py and tests/accounts/test_access.py.)"""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client

from audit.models import AuditEvent
from audit.selectors import chain_check
from certificates.models import Certificate
from courses import content
from courses.assignments import assignment_create
from courses.exporting import series_export
from courses.models import Assignment, Series
from supervision.models import ExportLog
from tests import factories
from tests.certificates.conftest import finish

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


@pytest.fixture
def supervisor(agency):
    return factories.supervisor_of(agency, email="sup@example.org")


@pytest.fixture
def supervisor_client(supervisor, settings):
    settings.LMS_REQUIRE_MFA = False
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(supervisor)
    return client


@pytest.fixture
def staff_client(settings):
    settings.LMS_REQUIRE_MFA = False
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(staff)
    return client, staff


def _only(action: str, **filters) -> AuditEvent:
    return AuditEvent.objects.get(action=action, **filters)


# --- assignments ------------------------------------------------------------------------------


def test_assignments_made_changed_and_cancelled_on_the_agency_pages_are_recorded(
    supervisor_client, supervisor, agency, series, learner
):
    today = agency.today()
    response = supervisor_client.post(
        "/agency/assignments/new/",
        {
            "series": series.pk,
            "audience": "everyone",
            "due_rule": "date",
            "due_on": (today + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assignment = Assignment.objects.get()
    created = _only("assignment.created")
    assert (created.actor_id, created.target_type, created.target_id, created.ip) == (
        supervisor.pk,
        "courses.assignment",
        str(assignment.pk),
        ADDRESS,
    )
    assert created.details["agency"] == agency.slug
    assert created.details["series"] == series.slug
    assert created.details["everyone"] is True and created.details["enrolled"] == 1
    assert created.details["due_on"] == (today + timedelta(days=30)).isoformat()

    later = (today + timedelta(days=60)).isoformat()
    response = supervisor_client.post(
        f"/agency/assignments/{assignment.pk}/",
        {"due_rule": "date", "due_on": later, "recurrence_months": "12"},
    )
    assert response.status_code == 302, response.content[:2000]
    changed = _only("assignment.changed")
    assert changed.details["before"]["due_on"] == (today + timedelta(days=30)).isoformat()
    assert changed.details["after"] == {
        "due_on": later,
        "due_in_days": None,
        "recurrence_months": 12,
    }
    assert changed.details["due_dates_moved"] == 1 and changed.ip == ADDRESS

    for _ in range(2):  # cancelling twice records once
        supervisor_client.post(f"/agency/assignments/{assignment.pk}/cancel/")
    cancelled = _only("assignment.cancelled")
    assert (cancelled.actor_id, cancelled.details["open_enrollments"]) == (supervisor.pk, 1)
    assert "Jordan" not in json.dumps([created.details, changed.details, cancelled.details])


def test_an_assignment_refused_records_nothing(supervisor, agency, series, other_learner):
    from courses.assignments import AssignmentRefused

    with pytest.raises(AssignmentRefused):
        assignment_create(
            supervisor=supervisor, agency=agency, series=series, today=agency.today(),
            learners=[other_learner], due_in_days=5,
        )  # fmt: skip
    assert not AuditEvent.objects.filter(action__startswith="assignment.").exists()


def test_assignments_made_and_cancelled_in_django_admin_are_recorded(
    staff_client, agency, series, learner
):
    client, staff = staff_client
    response = client.post(
        "/admin/courses/assignment/add/",
        {"agency": agency.pk, "series": series.pk, "everyone": "on", "due_in_days": "14"},
    )
    assert response.status_code == 302, response.content[:2000]
    assignment = Assignment.objects.get()
    created = _only("assignment.created")
    assert (created.actor_id, created.details["via"], created.ip) == (staff.pk, "admin", ADDRESS)
    client.post(
        "/admin/courses/assignment/",
        {"action": "cancel_assignments", "_selected_action": [assignment.pk]},
    )
    assert _only("assignment.cancelled").actor_id == staff.pk


# --- exports ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "file"),
    [
        ("/agency/export.csv?status=overdue", "learners"),
        ("/agency/hours.csv?from=2020-01-01&to=2030-12-31", "hours"),
        ("/agency/roster.csv?from=2020-01-01&to=2030-12-31", "roster"),
    ],
)
def test_each_agency_file_is_recorded_before_it_streams(
    supervisor_client, supervisor, agency, learner, url, file
):
    response = supervisor_client.get(url)
    # Recorded when the response is made, before a row leaves.
    event = _only("export.csv")
    assert (event.actor_id, event.target_type, event.target_id, event.ip) == (
        supervisor.pk,
        "accounts.agency",
        str(agency.pk),
        ADDRESS,
    )
    assert event.details["file"] == file
    log = ExportLog.objects.get()
    assert event.details["export_log"] == log.pk
    if file == "learners":
        assert event.details["filters"]["status"] == "overdue"
    else:
        assert event.details["filters"]["from"] == "2020-01-01"
    assert log.row_count is None
    b"".join(response.streaming_content)  # the stream still works, and the export log
    log.refresh_from_db()  # gets its row count at the end
    assert log.row_count is not None and log.finished_at is not None


# --- a supervisor opening a learner's record ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "page"),
    [("", "detail"), ("transcript/", "transcript"), ("transcript.pdf", "transcript.pdf")],
)
def test_opening_a_learners_record_is_recorded(
    supervisor_client, supervisor, agency, learner, path, page
):
    response = supervisor_client.get(f"/agency/learners/{learner.pk}/{path}")
    assert response.status_code == 200
    event = _only("record.viewed")
    assert (event.outcome, event.actor_id, event.target_id, event.ip) == (
        "success",
        supervisor.pk,
        str(learner.pk),
        ADDRESS,
    )
    assert event.details == {"page": page, "agency": agency.slug}


def test_trying_another_agencys_learner_is_recorded_as_refused(
    supervisor_client, supervisor, other_learner
):
    assert supervisor_client.get(f"/agency/learners/{other_learner.pk}/").status_code == 404
    event = _only("record.viewed")
    assert (event.outcome, event.actor_id, event.target) == (
        "refused",
        supervisor.pk,
        f"accounts.user #{other_learner.pk}",
    )
    assert "other@example.org" not in json.dumps(event.details) + event.target


def test_the_dashboard_and_the_list_are_not_record_views(supervisor_client, learner):
    supervisor_client.get("/agency/")
    supervisor_client.get("/agency/learners/")
    assert not AuditEvent.objects.filter(action="record.viewed").exists()


# --- certificates ------------------------------------------------------------------------------


def test_revoking_in_admin_is_recorded_once(staff_client, learner, series):
    client, staff = staff_client
    finish(learner, series)
    certificate = Certificate.objects.get()
    chosen = {"action": "revoke", "_selected_action": [certificate.pk]}
    for _ in range(2):
        client.post(
            "/admin/certificates/certificate/",
            {**chosen, "apply": "1", "reason": "Completed on a shared login"},
        )
    event = _only("certificate.revoked")
    assert (event.actor_id, event.target_id, event.ip) == (staff.pk, str(certificate.pk), ADDRESS)
    assert event.details == {
        "code": certificate.code,
        "learner_id": learner.pk,
        "series_id": series.pk,
        "reason": "Completed on a shared login",
    }


# --- content ----------------------------------------------------------------------------------


def test_publishing_and_archiving_in_the_studio_are_recorded(client, settings):
    author = factories.author(email="author@example.org")
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(author)
    series = content.series_create(title="New series")
    module = content.module_create(series=series, title="Only module")
    content.component_create(module=module, kind="document", title="Read", body="Text")
    for status in ("published", "published", "archived"):  # the same status twice: no record
        client.post(f"/studio/series/{series.slug}/status/", {"status": status})
    published, archived = AuditEvent.objects.filter(action__startswith="content.").order_by("id")
    assert (published.action, published.actor_id, published.ip) == (
        "content.published",
        author.pk,
        ADDRESS,
    )
    assert published.details == {
        "slug": series.slug,
        "from": "draft",
        "to": "published",
        "via": "studio",
    }
    assert (archived.action, archived.details["from"]) == ("content.archived", "published")


def test_a_refused_publication_records_nothing():
    series = content.series_create(title="Empty")
    with pytest.raises(content.ContentRefused):
        content.series_set_status(series=series, status="published")
    assert not AuditEvent.objects.filter(action__startswith="content.").exists()


def test_an_import_that_publishes_is_recorded(tmp_path, series):
    document = series_export(series=series)
    document["series"]["slug"] = "imported"
    path = tmp_path / "series.json"
    path.write_text(json.dumps(document))
    call_command("import_series", str(path), stdout=io.StringIO())
    event = _only("content.published")
    assert event.actor_id is None and event.ip is None  # the command: nobody signed in
    assert event.details == {
        "slug": "imported",
        "from": "draft",
        "to": "published",
        "via": "import",
    }
    assert event.target_id == str(Series.objects.get(slug="imported").pk)
    call_command("import_series", str(path), stdout=io.StringIO())  # unchanged: nothing more
    assert AuditEvent.objects.filter(action__startswith="content.").count() == 1
    assert chain_check().intact


def test_a_supervisor_opening_a_learners_certificate_is_recorded_the_learners_own_is_not(
    supervisor_client, supervisor, learner, series
):
    finish(learner, series)
    certificate = Certificate.objects.get()
    own = Client()
    own.force_login(learner)
    assert own.get(f"/certificates/{certificate.code}.pdf").status_code == 200
    assert own.get(f"/certificates/{certificate.code}/credential.jwt").status_code == 200
    assert not AuditEvent.objects.filter(action="record.viewed").exists()
    for path in (f"{certificate.code}.pdf", f"{certificate.code}/credential.jwt"):
        assert supervisor_client.get(f"/certificates/{path}").status_code == 200
    pages = AuditEvent.objects.filter(action="record.viewed", actor_id=supervisor.pk)
    assert sorted(pages.values_list("details__page", flat=True)) == [
        "certificate.pdf",
        "credential.jwt",
    ]
    assert {e.target_id for e in pages} == {str(certificate.pk)}
