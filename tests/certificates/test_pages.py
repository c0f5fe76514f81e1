"""The public verification page, the learner's list, and revoking in Django admin."""

import pytest
from django.test import Client

from certificates.models import Certificate
from certificates.services import certificate_revoke
from tests import factories

pytestmark = pytest.mark.django_db


def test_verification_page_is_public_and_shows_what_the_certificate_says(certificate):
    response = Client().get(f"/certificates/verify/{certificate.code}/")
    assert response.status_code == 200
    body = response.content.decode()
    for shown in (
        "Jordan Ellis",
        "Working with Victims and Survivors",
        "NCMEC",
        "9 March 2026",
        "1.5 hours (POST CPT)",
        "Valid",
    ):
        assert shown in body
    assert '<meta name="robots" content="noindex">' in body


def test_verification_page_shows_nothing_more_than_it_should(certificate, agency):
    """Not the email, not the agency, not the officer ID, not the revoke reason."""
    learner = certificate.user
    learner.officer_id = "POST-998877"
    learner.save(update_fields=["officer_id"])
    staff = factories.UserFactory(is_staff=True, email="records.admin@example.org")
    certificate_revoke(certificate=certificate, by=staff, reason="Completed on a shared login")
    body = Client().get(f"/certificates/verify/{certificate.code}/").content.decode()
    assert "Revoked" in body and "no longer valid" in body
    for hidden in (
        learner.email,
        agency.name,
        "POST-998877",
        "shared login",
        "records.admin@example.org",
    ):
        assert hidden not in body


def test_an_unknown_code_is_a_plain_404():
    assert Client().get("/certificates/verify/no-such-code/").status_code == 404


def test_the_learners_list_shows_their_own_certificates_only(certificate, other_learner, credited):
    from tests.certificates.conftest import finish

    finish(other_learner, credited)
    client = Client()
    client.force_login(certificate.user)
    body = client.get("/certificates/").content.decode()
    assert certificate.code in body
    assert f"/certificates/{certificate.code}.pdf" in body
    assert f"/certificates/verify/{certificate.code}/" in body
    assert f"/certificates/{certificate.code}/credential.jwt" in body
    other = Certificate.objects.get(user=other_learner)
    assert other.code not in body


def test_the_list_marks_a_revoked_certificate(certificate):
    certificate_revoke(
        certificate=certificate, by=factories.UserFactory(is_staff=True), reason="Error"
    )
    client = Client()
    client.force_login(certificate.user)
    assert "Revoked" in client.get("/certificates/").content.decode()


# --- Django admin ---------------------------------------------------------------------------


@pytest.fixture
def staff_client(settings) -> tuple[Client, object]:
    settings.LMS_REQUIRE_MFA = False
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    return client, staff


def test_staff_revoke_in_admin_with_a_reason_asked_first(certificate, staff_client):
    """The action asks for the reason; submitting it revokes through the service, which records
    who, when and why."""
    client, staff = staff_client
    changelist = "/admin/certificates/certificate/"
    chosen = {"action": "revoke", "_selected_action": [certificate.pk]}
    asked = client.post(changelist, chosen)
    assert asked.status_code == 200
    assert "Reason for revoking" in asked.content.decode()
    certificate.refresh_from_db()
    assert certificate.is_valid

    without_reason = client.post(changelist, {**chosen, "apply": "1", "reason": "  "})
    assert without_reason.status_code == 200  # asked again
    certificate.refresh_from_db()
    assert certificate.is_valid

    done = client.post(
        changelist, {**chosen, "apply": "1", "reason": "Completed on a shared login"}
    )
    assert done.status_code == 302
    certificate.refresh_from_db()
    assert not certificate.is_valid
    assert certificate.revoked_by == staff
    assert certificate.revoked_reason == "Completed on a shared login"
    assert certificate.revoked_at is not None


def test_admin_filters_by_validity_and_searches_by_code(certificate, staff_client):
    client, _ = staff_client
    revoked = client.get("/admin/certificates/certificate/", {"validity": "revoked"})
    assert certificate.code not in revoked.content.decode()
    valid = client.get("/admin/certificates/certificate/", {"validity": "valid"})
    assert certificate.code in valid.content.decode()
    found = client.get("/admin/certificates/certificate/", {"q": certificate.code})
    assert certificate.code in found.content.decode()


def test_admin_never_edits_a_certificate(certificate, staff_client):
    """The change page shows the record read-only; a POST changes nothing."""
    client, _ = staff_client
    url = f"/admin/certificates/certificate/{certificate.pk}/change/"
    client.post(url, {"learner_name": "Someone Else"})
    certificate.refresh_from_db()
    assert certificate.learner_name == "Jordan Ellis"
