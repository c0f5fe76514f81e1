"""The agency's rule and its proof: the rule page, /agency/compliance/, the dashboard tile, the
hours and roster files, a learner's transcript for supervisors."""

import csv
import io
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Membership, User
from certificates.models import Certificate, TrainingRule
from certificates.rules import training_rule_set
from courses.models import Enrollment, Series
from supervision.models import ExportLog
from tests import factories
from tests.certificates.test_hours import certify

pytestmark = pytest.mark.django_db

HOURS_COLUMNS = [
    "agency",
    "learner_name",
    "learner_email",
    "officer_id",
    "credit_type",
    "hours",
    "completions",
]
ROSTER_COLUMNS = [
    "agency",
    "series",
    "learner_name",
    "officer_id",
    "learner_email",
    "completed_on",
    "credit_type",
    "hours",
    "certificate_code",
]


@contextmanager
def travel(moment: str):
    """The clock stands at ``moment`` (ISO, with its offset): the agency's today follows."""
    fixed = datetime.fromisoformat(moment)
    with mock.patch.object(timezone, "now", return_value=fixed):
        yield


@pytest.fixture
def november_2026():
    with travel("2026-11-25T15:00:00+00:00"):
        yield


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- the rule -----------------------------------------------------------------------------------


def test_a_supervisor_sets_the_rule_and_setting_it_again_changes_it(supervisor_client, agency):
    form = {"credit_type": "POST CPT", "cycle_months": 24, "cycle_ends_on": "2026-12-31"}
    response = supervisor_client.post("/agency/compliance/rule/", {**form, "hours_required": 24})
    assert response.status_code == 302 and response["Location"].startswith("/agency/compliance/")
    supervisor_client.post("/agency/compliance/rule/", {**form, "hours_required": "20.5"})
    rule = TrainingRule.objects.get(agency=agency)
    assert (rule.hours_required, rule.cycle_months) == (Decimal("20.5"), 24)


def test_the_rule_form_refuses_zero_hours(supervisor_client, agency):
    response = supervisor_client.post(
        "/agency/compliance/rule/",
        {"credit_type": "POST CPT", "hours_required": 0, "cycle_months": 0, "cycle_ends_on": "x"},
    )
    assert response.status_code == 200 and not TrainingRule.objects.exists()
    assert response.context["form"].errors.keys() == {
        "hours_required",
        "cycle_months",
        "cycle_ends_on",
    }


def test_only_the_agencys_supervisors_set_its_rule(agency, other_agency):
    from django.core.exceptions import PermissionDenied

    stranger = factories.supervisor_of(other_agency)
    with pytest.raises(PermissionDenied):
        training_rule_set(
            by=stranger,
            agency=agency,
            credit_type="POST CPT",
            hours_required=Decimal(24),
            cycle_months=24,
            cycle_ends_on=date(2026, 12, 31),
        )


def test_learners_and_other_agencies_cannot_open_the_agency_pages(
    client, settings, agency, other_agency, learner, rule
):
    """A learner gets 403 on every page; another agency's supervisor sees only their own
    agency (the ``?agency=`` of another is ignored), never this one's learners."""
    settings.LMS_REQUIRE_MFA = False
    client.force_login(learner)
    for url in (
        "/agency/compliance/",
        "/agency/compliance/rule/",
        "/agency/hours.csv",
        "/agency/roster.csv",
        f"/agency/learners/{learner.pk}/transcript/",
        f"/agency/learners/{learner.pk}/transcript.pdf",
    ):
        assert client.get(url).status_code == 403, url
    certify(learner, Series.objects.create(slug="s", title="S"), date(2026, 3, 1))
    stranger = factories.supervisor_of(other_agency)
    client.force_login(stranger)
    page = client.get(f"/agency/compliance/?agency={agency.slug}")
    assert page.status_code == 200 and learner.email not in page.content.decode()
    assert learner.email not in str(_rows(client.get(f"/agency/hours.csv?agency={agency.slug}")))
    assert learner.email not in str(_rows(client.get(f"/agency/roster.csv?agency={agency.slug}")))
    assert client.get(f"/agency/learners/{learner.pk}/transcript/").status_code == 404
    assert client.get(f"/agency/learners/{learner.pk}/transcript.pdf").status_code == 404


# --- who meets the rule -------------------------------------------------------------------------


@pytest.mark.usefixtures("november_2026")
def test_compliance_counts_hours_in_the_current_cycle_only(supervisor_client, agency, rule):
    """Cycle 2025-01-01 .. 2026-12-31: a completion on its first day counts, one the day
    before does not; revoked hours do not count; 4 hours meet the rule, 3.5 are short by 0.5."""
    series = factories.SeriesFactory(slug="s1", title="S1")
    meets = factories.learner_of(agency, email="meets@example.org", full_name="Ada Meets")
    short = factories.learner_of(agency, email="short@example.org", full_name="Bo Short")
    nothing = factories.learner_of(agency, email="none@example.org", full_name="Cy None")
    certify(meets, series, date(2025, 1, 1), hours="2")
    certify(meets, series, date(2026, 12, 31), hours="2")
    certify(short, series, date(2024, 12, 31), hours="4")  # the previous cycle
    certify(short, series, date(2025, 6, 1), hours="3.5")
    revoked = certify(short, series, date(2026, 6, 1), hours="4")
    Certificate.objects.filter(pk=revoked.pk).update(
        revoked_at=revoked.issued_at, revoked_reason="Error"
    )
    certify(short, series, date(2026, 6, 2), hours="8", credit_type="Firearms")
    response = supervisor_client.get("/agency/compliance/?sort=name")
    rows = {r["learner"].email: (r["hours"], r["short"]) for r in response.context["rows"]}
    assert rows == {
        meets.email: (Decimal("4"), Decimal("0")),
        short.email: (Decimal("3.5"), Decimal("0.5")),
        nothing.email: (Decimal("0"), Decimal("4")),
    }
    page = response.content.decode()
    assert "Short by 0.5 h" in page and "31 Dec 2026" in page
    meeting = supervisor_client.get("/agency/compliance/?standing=meets").context["rows"]
    assert [r["learner"] for r in meeting] == [meets]
    found = supervisor_client.get("/agency/compliance/?standing=short&q=bo").context["rows"]
    assert [r["learner"] for r in found] == [short]
    by_hours = supervisor_client.get("/agency/compliance/?sort=-hours").context["rows"]
    assert [r["learner"] for r in by_hours] == [meets, short, nothing]


def test_the_cycle_follows_the_agencys_calendar(supervisor_client, supervisor, agency, rule):
    """At 03:00 UTC on 1 January it is still 31 December in New York: the old cycle."""
    with travel("2027-01-01T03:00:00+00:00"):
        supervisor_client.force_login(supervisor)  # a session of this clock's time
        response = supervisor_client.get("/agency/compliance/")
    assert response.context["cycle"].end == date(2026, 12, 31)
    with travel("2027-01-01T06:00:00+00:00"):
        supervisor_client.force_login(supervisor)
        response = supervisor_client.get("/agency/compliance/")
    assert response.context["cycle"].end == date(2028, 12, 31)


def test_without_a_rule_the_page_and_the_tile_prompt_to_set_one(supervisor_client):
    assert "Set the rule" in supervisor_client.get("/agency/compliance/").content.decode()
    assert "No rule is set" in supervisor_client.get("/agency/").content.decode()


@pytest.mark.usefixtures("november_2026")
def test_the_dashboard_tile_counts_who_meets_and_shows_a_new_rule_at_once(
    supervisor_client, agency, supervisor, rule, django_capture_on_commit_callbacks
):
    series = factories.SeriesFactory(slug="s1", title="S1")
    certify(factories.learner_of(agency), series, date(2026, 1, 1), hours="5")
    factories.learner_of(agency)
    page = supervisor_client.get("/agency/").content.decode()
    assert "1 of 2</strong> meet the rule (4 hours of POST CPT by 31 Dec 2026)" in page
    with django_capture_on_commit_callbacks(execute=True):
        training_rule_set(
            by=supervisor,
            agency=agency,
            credit_type="POST CPT",
            hours_required=Decimal("6"),
            cycle_months=24,
            cycle_ends_on=date(2026, 12, 31),
        )
    page = supervisor_client.get("/agency/").content.decode()
    assert "0 of 2</strong> meet the rule (6 hours" in page


def _bulk_certified(agency, series, count: int, prefix: str) -> None:
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@example.org", full_name=f"L {prefix} {i}") for i in range(count)]
    )
    users = list(User.objects.filter(email__startswith=prefix))
    Membership.objects.bulk_create([Membership(user=u, agency=agency) for u in users])
    enrollments = Enrollment.objects.bulk_create(
        [Enrollment(user=u, series=series, percent_complete=100) for u in users]
    )
    Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]).update(
        completed_at="2026-01-01T12:00:00Z"
    )
    Certificate.objects.bulk_create(
        [
            Certificate(
                enrollment=e,
                user_id=e.user_id,
                series=series,
                learner_name="x",
                series_title=series.title,
                completed_on=date(2026, 1, 1),
                credit_hours=Decimal(i % 7),
                credit_type="POST CPT",
                issued_at="2026-01-01T12:00:00Z",
            )
            for i, e in enumerate(enrollments)
        ]
    )


COMPLIANCE_QUERIES = 8


@pytest.mark.usefixtures("november_2026")
def test_compliance_queries_do_not_grow_with_learners(
    supervisor_client, agency, rule, django_assert_max_num_queries
):
    """The same number of queries for 10 and 200 learners: one count, one page."""
    series = factories.SeriesFactory(slug="bulk", title="Bulk")
    counts = []
    for size, prefix in ((10, "a"), (190, "b")):
        _bulk_certified(agency, series, size, prefix)
        with django_assert_max_num_queries(COMPLIANCE_QUERIES) as page:
            assert supervisor_client.get("/agency/compliance/?sort=-hours").status_code == 200
        cache.clear()
        with django_assert_max_num_queries(COMPLIANCE_QUERIES + 2) as dashboard:
            assert supervisor_client.get("/agency/").status_code == 200
        # The file's security audit record: its chain link and row (and, inside the test's
        # transaction, the savepoints of the export's records).
        with django_assert_max_num_queries(COMPLIANCE_QUERIES + 7) as hours:
            assert len(_rows(supervisor_client.get("/agency/hours.csv"))) > size // 2
        counts.append((len(page), len(dashboard), len(hours)))
    assert counts[0] == counts[1], counts


# --- the files ----------------------------------------------------------------------------------


def test_the_hours_csv_totals_per_learner_and_credit_type_formula_safe(supervisor_client, agency):
    today = agency.today()
    series = factories.SeriesFactory(slug="s1", title="S1")
    firearms = factories.SeriesFactory(slug="s2", title="S2")
    tricky = factories.learner_of(
        agency, email="tricky@example.org", full_name="=cmd|' /C calc'!A0", officer_id="+1"
    )
    named = factories.learner_of(
        agency, email="named@example.org", full_name="Pat Doe", certificate_name="Sgt. Pat Doe"
    )
    factories.learner_of(agency, email="idle@example.org")  # no completion: no row
    certify(tricky, series, today - timedelta(days=3), hours="1.5")
    certify(tricky, series, today - timedelta(days=2), hours="1.5")
    certify(named, firearms, today, hours="4", credit_type="Firearms")
    certify(named, series, today - timedelta(days=900), hours="9")  # before the period
    response = supervisor_client.get("/agency/hours.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert rows[0] == HOURS_COLUMNS
    assert rows[1:] == [
        [agency.name, "'=cmd|' /C calc'!A0", tricky.email, "'+1", "POST CPT", "3.00", "2"],
        [agency.name, "Sgt. Pat Doe", named.email, "", "Firearms", "4.00", "1"],
    ]
    log = ExportLog.objects.get()
    assert log.filters["file"] == "hours" and log.row_count == 2


def test_the_roster_lists_each_valid_completion_with_the_name_on_the_certificate(
    supervisor_client, agency
):
    series = factories.SeriesFactory(slug="csam-series", title="Working with Survivors")
    other = factories.SeriesFactory(slug="other", title="Other")
    learner = factories.learner_of(agency, email="a@example.org", officer_id="C-77")
    first = certify(learner, series, date(2026, 2, 1), hours="1.5", name="@Officer A")
    certify(learner, other, date(2026, 2, 2), hours="1")
    rows = _rows(
        supervisor_client.get("/agency/roster.csv?series=csam-series&from=2026-01-01&to=2026-12-31")
    )
    assert rows == [
        ROSTER_COLUMNS,
        [
            agency.name,
            "Working with Survivors",
            "'@Officer A",
            "C-77",
            "a@example.org",
            "2026-02-01",
            "POST CPT",
            "1.50",
            first.code,
        ],
    ]


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-02-30",
        "to=soon",
        "from=2026-05-01&to=2026-01-01",
        "series=no-such-series",
        # A NUL byte, which PostgreSQL refuses in a query: a 500 there (found by the fuzz).
        "series=%00",
        "series=csam-series%00",
        "series=%C3%A9t%C3%A9",
    ],
)
def test_bad_parameters_of_the_agency_files_are_a_400_with_a_reason(supervisor_client, query):
    for url in ("/agency/hours.csv", "/agency/roster.csv"):
        if "series" in query and "hours" in url:
            continue
        response = supervisor_client.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert response.content.decode().strip()


def test_a_supervisor_opens_a_learners_transcript_from_the_drill_down(
    supervisor_client, agency, learner
):
    series = factories.SeriesFactory(slug="s1", title="Series One")
    certificate = certify(learner, series, agency.today() - timedelta(days=1))
    detail = supervisor_client.get(f"/agency/learners/{learner.pk}/").content.decode()
    assert f"/agency/learners/{learner.pk}/transcript/" in detail
    page = supervisor_client.get(f"/agency/learners/{learner.pk}/transcript/").content.decode()
    assert certificate.code in page and "Series One" in page
    pdf = supervisor_client.get(f"/agency/learners/{learner.pk}/transcript.pdf")
    assert pdf["Content-Type"] == "application/pdf"
