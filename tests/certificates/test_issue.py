"""Certificates are issued with the completion, once per completion cycle, and keep what they
said at issue."""

import importlib
import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate
from certificates.services import certificate_revoke, certificates_issue
from courses import content, services
from courses.models import Component, Enrollment
from tests import factories
from tests.certificates.conftest import finish

pytestmark = pytest.mark.django_db


def test_completing_a_series_issues_its_certificate_in_the_same_transaction(learner, credited):
    """The certificate carries name, series, provider, date, hours and credit type."""
    User.objects.filter(pk=learner.pk).update(certificate_name="Det. Jordan A. Ellis")
    learner.refresh_from_db()
    enrollment = finish(learner, credited)
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert (certificate.learner_name, certificate.series_title, certificate.provider) == (
        "Det. Jordan A. Ellis",
        credited.title,
        "NCMEC",
    )
    assert (certificate.credit_hours, certificate.credit_type) == (Decimal("1.50"), "POST CPT")
    assert certificate.user == learner and certificate.is_valid
    assert len(certificate.code) >= 20


def test_nothing_is_issued_before_the_series_is_complete(learner, series):
    services.enrollment_create(user=learner, series=series)
    services.progress_record(user=learner, component=Component.objects.get(slug="reading"))
    assert not Certificate.objects.exists()


def test_the_completion_date_is_the_agencys_date(agency, credited):
    """Completed at 03:00 UTC is the evening before in New York."""
    learner = factories.learner_of(agency)
    moment = datetime(2026, 3, 10, 3, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    enrollment = finish(learner, credited, now=moment)
    assert enrollment.completed_at == moment
    assert Certificate.objects.get(enrollment=enrollment).completed_on.isoformat() == "2026-03-09"


def test_one_certificate_per_completion_cycle(learner, credited):
    """Issuing again issues nothing; the database refuses a second one for the cycle."""
    enrollment = finish(learner, credited)
    assert certificates_issue(enrollment_ids=[enrollment.pk]) == 0
    first = Certificate.objects.get(enrollment=enrollment)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            enrollment=enrollment,
            user=learner,
            series=credited,
            learner_name="x",
            series_title="x",
            completed_on=first.completed_on,
            credit_hours=1,
            issued_at=timezone.now(),
        )


def test_a_later_name_or_title_change_never_alters_an_issued_certificate(learner, credited):
    enrollment = finish(learner, credited)
    User.objects.filter(pk=learner.pk).update(certificate_name="Someone Else")
    content.series_update(series=credited, title="A New Title", credit_hours=Decimal("9"))
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.learner_name == learner.full_name
    assert certificate.series_title != "A New Title"
    assert certificate.credit_hours == Decimal("1.50")


def test_a_completion_by_recomputation_issues_the_certificate_too(
    learner, credited, django_capture_on_commit_callbacks
):
    """The learner's last required component is made optional: the set-based recomputation
    completes the enrollment and issues its certificate."""
    services.enrollment_create(user=learner, series=credited)
    parts = {c.slug: c for c in Component.objects.filter(module__series=credited)}
    now = timezone.now()
    services.progress_start(user=learner, component=parts["intro-video"], now=now)
    services.progress_record(
        user=learner,
        component=parts["intro-video"],
        watched_ranges=[[0, 100]],
        now=now + timedelta(minutes=5),
    )
    for slug in ("reading", "checklist"):
        services.progress_record(user=learner, component=parts[slug])
    with django_capture_on_commit_callbacks(execute=True):
        content.component_update(component=parts["support"], required=False)
    enrollment = Enrollment.objects.get(user=learner, series=credited)
    assert enrollment.completed_at is not None
    assert Certificate.objects.filter(enrollment=enrollment).count() == 1


def test_earlier_completions_get_their_certificates_from_the_data_migration(learner, credited):
    """Completions recorded before certificates existed are issued one, once."""
    enrollment = finish(learner, credited)
    Certificate.objects.all().delete()
    migration = importlib.import_module(
        "certificates.migrations.0002_issue_for_earlier_completions"
    )
    migration.issue(apps, None)
    migration.issue(apps, None)
    certificate = Certificate.objects.get(enrollment=enrollment)
    assert certificate.learner_name == learner.full_name
    assert certificate.credit_type == "POST CPT"


def test_staff_revoke_with_a_reason_others_cannot(learner, credited):
    enrollment = finish(learner, credited)
    certificate = Certificate.objects.get(enrollment=enrollment)
    with pytest.raises(PermissionError):
        certificate_revoke(certificate=certificate, by=learner, reason="Fraud")
    staff = factories.UserFactory(is_staff=True)
    with pytest.raises(ValueError, match="reason"):
        certificate_revoke(certificate=certificate, by=staff, reason="  ")
    certificate_revoke(certificate=certificate, by=staff, reason="Issued in error")
    certificate.refresh_from_db()
    assert not certificate.is_valid and certificate.revoked_by == staff
    first = certificate.revoked_at
    certificate_revoke(certificate=certificate, by=staff, reason="Again")
    certificate.refresh_from_db()
    assert (certificate.revoked_at, certificate.revoked_reason) == (first, "Issued in error")
