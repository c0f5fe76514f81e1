"""Credit hours: the rule's cycles, totals by period in the agency's calendar, the learner's
transcript page, PDF and CSV."""

import csv
import io
import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import User
from certificates.hours import PeriodRefused, default_period, period_from, transcript
from certificates.models import Certificate, Period, TrainingRule
from certificates.services import certificate_revoke
from courses.models import Enrollment, Series
from tests import factories
from tests.certificates.conftest import finish as _finish

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def credited(series) -> Series:
    Series.objects.filter(pk=series.pk).update(
        credit_hours=Decimal("1.5"), credit_type="POST CPT", provider="NCMEC"
    )
    series.refresh_from_db()
    return series


def certify(
    user: User,
    series: Series,
    completed_on: date,
    *,
    hours: str = "2",
    credit_type: str = "POST CPT",
    name: str | None = None,
) -> Certificate:
    """A completed cycle of ``series`` and its certificate, as the issuing service writes them
    (for histories the services cannot make at a past date in one call)."""
    cycle = Enrollment.objects.filter(user=user, series=series).count() + 1
    Enrollment.objects.filter(user=user, series=series).update(is_current=False)
    moment = datetime.combine(completed_on, datetime.min.time(), tzinfo=NEW_YORK) + timedelta(
        hours=12
    )
    enrollment = Enrollment.objects.create(
        user=user, series=series, cycle=cycle, completed_at=moment, percent_complete=100
    )
    return Certificate.objects.create(
        enrollment=enrollment,
        user=user,
        series=series,
        learner_name=name or user.name_for_certificates(),
        series_title=series.title,
        provider=series.provider,
        completed_on=completed_on,
        credit_hours=Decimal(hours),
        credit_type=credit_type,
        issued_at=moment,
    )


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- the rule's cycles --------------------------------------------------------------------------


def test_a_two_year_cycle_ending_31_december_of_even_years():
    """The cycle holding a day runs from the day after the previous end to its own end."""
    rule = TrainingRule(cycle_months=24, cycle_ends_on=date(2026, 12, 31))
    current = Period(date(2025, 1, 1), date(2026, 12, 31))
    assert rule.cycle_on(date(2025, 1, 1)) == current
    assert rule.cycle_on(date(2026, 12, 31)) == current
    assert rule.cycle_on(date(2027, 1, 1)) == Period(date(2027, 1, 1), date(2028, 12, 31))
    assert rule.cycle_on(date(2024, 12, 31)) == Period(date(2023, 1, 1), date(2024, 12, 31))
    assert rule.cycle_on(date(1999, 6, 1)) == Period(date(1999, 1, 1), date(2000, 12, 31))


def test_a_cycle_anchored_on_a_month_end_keeps_to_month_ends():
    """A yearly cycle ending on 28 February ends on the 29th in leap years."""
    rule = TrainingRule(cycle_months=12, cycle_ends_on=date(2027, 2, 28))
    assert rule.cycle_on(date(2028, 2, 29)) == Period(date(2027, 3, 1), date(2028, 2, 29))
    assert rule.cycle_on(date(2028, 3, 1)) == Period(date(2028, 3, 1), date(2029, 2, 28))


def test_the_database_refuses_a_rule_without_hours_or_length(agency):
    for hours, months in ((Decimal(0), 24), (Decimal(-1), 24), (Decimal(24), 0)):
        with pytest.raises(IntegrityError), transaction.atomic():
            TrainingRule.objects.create(
                agency=agency,
                credit_type="POST CPT",
                hours_required=hours,
                cycle_months=months,
                cycle_ends_on=date(2026, 12, 31),
            )


def test_one_rule_per_agency_and_credit_type(agency):
    fields = {"hours_required": 24, "cycle_months": 24, "cycle_ends_on": date(2026, 12, 31)}
    TrainingRule.objects.create(agency=agency, credit_type="POST CPT", **fields)
    TrainingRule.objects.create(agency=agency, credit_type="Firearms", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingRule.objects.create(agency=agency, credit_type="POST CPT", **fields)


# --- periods ------------------------------------------------------------------------------------


def test_the_default_period_is_the_last_24_months_both_ends_included():
    assert default_period(date(2026, 11, 25)) == Period(date(2024, 11, 25), date(2026, 11, 25))
    assert period_from({}, today=date(2026, 11, 25)) == default_period(date(2026, 11, 25))
    assert period_from({"from": "2025-01-01", "to": "2025-12-31"}, today=date(2026, 1, 1)) == (
        Period(date(2025, 1, 1), date(2025, 12, 31))
    )


@pytest.mark.parametrize(
    "params",
    [{"from": "2025-13-01"}, {"to": "yesterday"}, {"from": "2025-02-01", "to": "2025-01-01"}],
)
def test_a_bad_period_is_refused_with_a_reason(params):
    with pytest.raises(PeriodRefused):
        period_from(params, today=date(2026, 11, 25))


# --- totals -------------------------------------------------------------------------------------


def test_totals_count_every_cycle_in_the_period_by_credit_type(learner, credited):
    """Two cycles of one series and another credit type; the one before the period is listed
    as earlier, not counted."""
    other = factories.SeriesFactory(slug="firearms", title="Firearms")
    certify(learner, credited, date(2024, 6, 1), hours="1.5")
    certify(learner, credited, date(2025, 3, 1), hours="1.5")
    certify(learner, credited, date(2026, 3, 1), hours="1.5")
    certify(learner, other, date(2026, 4, 1), hours="4", credit_type="Firearms")
    data = transcript(learner=learner, period=Period(date(2025, 1, 1), date(2026, 12, 31)))
    assert data.totals == [("Firearms", Decimal("4"), 1), ("POST CPT", Decimal("3"), 2)]
    assert [c.enrollment.cycle for c in data.certificates if c.series == credited] == [3, 2]
    assert data.earlier == 1 and data.first_on == date(2024, 6, 1)
    assert data.total_hours == Decimal("7")


def test_a_revoked_certificate_is_listed_and_not_counted(learner, credited):
    staff = factories.UserFactory(is_staff=True)
    keep = certify(learner, credited, date(2026, 3, 1), hours="1.5")
    gone = certify(learner, credited, date(2026, 5, 1), hours="1.5")
    certificate_revoke(certificate=gone, by=staff, reason="Completed by someone else")
    data = transcript(learner=learner, period=Period(date(2026, 1, 1), date(2026, 12, 31)))
    assert {c.pk for c in data.certificates} == {keep.pk, gone.pk}
    assert data.totals == [("POST CPT", Decimal("1.5"), 1)]


def test_the_period_ends_on_the_agencys_midnight(agency, credited):
    """Completed at 23:30 in New York on the period's last day counts; at 00:30 the next day
    (already in UTC the day after both times) it does not."""
    inside = factories.learner_of(agency, email="late@example.org")
    outside = factories.learner_of(agency, email="next@example.org")
    _finish(inside, credited, now=datetime(2026, 6, 30, 23, 30, tzinfo=NEW_YORK))
    _finish(outside, credited, now=datetime(2026, 7, 1, 0, 30, tzinfo=NEW_YORK))
    june = Period(date(2026, 6, 1), date(2026, 6, 30))
    assert transcript(learner=inside, period=june).totals == [("POST CPT", Decimal("1.5"), 1)]
    assert transcript(learner=outside, period=june).totals == []


# --- the learner's pages ------------------------------------------------------------------------


def test_the_transcript_page_lists_completions_with_certificate_links(client, learner, credited):
    certificate = certify(learner, credited, timezone.localdate() - timedelta(days=30))
    client.force_login(learner)
    response = client.get("/transcript/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/certificates/{certificate.code}.pdf"' in page
    assert "POST CPT" in page and credited.title in page


def test_bad_dates_show_a_message_and_the_default_period(client, learner):
    client.force_login(learner)
    response = client.get("/transcript/?from=2025-02-30&to=nope")
    assert response.status_code == 200
    assert "is not a date as YYYY-MM-DD" in response.content.decode()
    assert response.context["period"] == default_period(timezone.localdate(timezone=NEW_YORK))


def test_the_transcript_csv_has_the_contract_columns_and_is_formula_safe(client, learner, credited):
    Series.objects.filter(pk=credited.pk).update(title="=HYPERLINK(1)")
    credited.refresh_from_db()
    day = timezone.localdate() - timedelta(days=3)
    certificate = certify(learner, credited, day, hours="1.5")
    client.force_login(learner)
    response = client.get("/transcript.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert rows[0] == [
        "series",
        "provider",
        "cycle",
        "completed_on",
        "credit_type",
        "hours",
        "certificate_code",
    ]
    assert rows[1] == [
        "'=HYPERLINK(1)",
        "NCMEC",
        "1",
        day.isoformat(),
        "POST CPT",
        "1.50",
        certificate.code,
    ]


def test_the_transcript_downloads_refuse_bad_dates_with_400(client, learner):
    client.force_login(learner)
    for url in ("/transcript.csv?from=x", "/transcript.pdf?to=2025-99-01"):
        response = client.get(url)
        assert response.status_code == 400
        assert b"YYYY-MM-DD" in response.content


def test_the_transcript_pdf_holds_the_name_completions_and_codes(client, learner, credited):
    User.objects.filter(pk=learner.pk).update(officer_id="POST-12345")
    certificate = certify(learner, credited, date.today() - timedelta(days=10), hours="1.5")
    client.force_login(learner)
    response = client.get("/transcript.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for expected in ("Jordan Ellis", "POST-12345", credited.title, "POST CPT", "1.5"):
        assert expected in text
    assert certificate.code in text.replace(" ", "")


def test_a_learner_sees_only_their_own_transcript(client, learner, other_learner, credited):
    theirs = certify(other_learner, credited, timezone.localdate() - timedelta(days=5))
    client.force_login(learner)
    assert theirs.code not in client.get("/transcript/").content.decode()
    assert theirs.code not in b"".join(client.get("/transcript.csv").streaming_content).decode()


def _pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    return " ".join(text.split())


def test_the_transcript_pdf_is_in_the_readers_language(client, learner, credited):
    """A learner who reads Spanish gets the transcript in Spanish, dates as on the Spanish pages;
    the English one stays as it was."""
    certify(learner, credited, date(2026, 3, 9), hours="1.5")
    client.force_login(learner)
    url = "/transcript.pdf?from=2026-01-01&to=2026-03-31"
    english = _pdf_text(client.get(url))
    for expected in (
        "Training transcript",
        "Period 1 January 2026 to 31 March 2026 (both included)",
        "Credit hours in the period",
        "9 Mar 2026",
        "Certificate code",
        "Page 1 of 1",
    ):
        assert expected in english
    assert "Historial" not in english

    User.objects.filter(pk=learner.pk).update(preferred_language="es")
    spanish = _pdf_text(client.get(url))
    for expected in (
        "Historial de formación",
        "Período del 1 de enero de 2026 al 31 de marzo de 2026 (ambos incluidos)",
        "Horas de crédito en el período",
        "Finalizaciones",
        "9 mar 2026",
        "Código del",  # the header wraps: "Código del certificado"
        "Página 1 de 1",
        "Cada certificado puede verificarse en",
        "<código>/",
    ):
        assert expected in spanish, (expected, spanish)
    assert "Training transcript" not in spanish


def test_the_transcript_pdfs_html_says_its_language(client, learner):
    from django.template.loader import render_to_string
    from django.utils import translation

    from certificates.views.transcripts import transcript_context

    data = transcript(learner=learner, period=default_period(date(2026, 3, 9)))
    context = {**transcript_context(data), "generated_at": timezone.now(), "verify_base": "/"}
    with translation.override("es"):
        html = render_to_string("certificates/transcript_pdf.html", context)
    assert '<html lang="es">' in html
    assert 'content: "Página " counter(page) " de " counter(pages) "";' in html
