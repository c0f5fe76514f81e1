"""The certificate's PDF: who may fetch it, what it says (read back with pypdf), its private
cache (one copy per language), the revoked mark, and its reader's language."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from pypdf import PdfReader

from certificates import pdf, tasks
from certificates.models import Certificate
from certificates.services import certificate_revoke
from tests import factories
from tests.certificates.conftest import finish

pytestmark = pytest.mark.django_db


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def test_learner_opens_their_certificate_pdf(certificate):
    """The PDF is inline, never cached (not even by the browser), named after the code."""
    response = _client(certificate.user).get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'inline; filename="certificate-{certificate.code}.pdf"'
    )
    assert response["Cache-Control"] == "private, no-store"


def test_the_pdf_says_who_what_when_how_many_hours_and_its_code(certificate, settings):
    """Name, series, provider, date, hours with credit type, the code and the verification
    URL printed in full (the QR code encodes the same)."""
    settings.LMS_BASE_URL = "https://training.example.gov"
    text = _text(_client(certificate.user).get(f"/certificates/{certificate.code}.pdf"))
    assert "Jordan Ellis" in text
    assert "Working with Victims and Survivors" in text
    assert "NCMEC" in text
    assert "9 March 2026" in text
    assert "1.5 hours · POST CPT" in text
    assert certificate.code in text
    url = f"https://training.example.gov/certificates/verify/{certificate.code}/"
    assert url in text.replace(" ", "")
    assert "revoked" not in text.lower()


def test_supervisor_of_the_learners_agency_opens_it(certificate, agency):
    supervisor = factories.supervisor_of(agency)
    assert _client(supervisor).get(f"/certificates/{certificate.code}.pdf").status_code == 200


def test_staff_open_it(certificate):
    staff = factories.UserFactory(is_staff=True)
    assert _client(staff).get(f"/certificates/{certificate.code}.pdf").status_code == 200


def test_supervisor_of_another_agency_gets_404(certificate, other_agency):
    supervisor = factories.supervisor_of(other_agency)
    assert _client(supervisor).get(f"/certificates/{certificate.code}.pdf").status_code == 404


def test_another_learner_gets_404_like_for_a_code_that_does_not_exist(certificate, agency):
    """Even a colleague in the same agency: nothing tells them the code is real."""
    colleague = factories.learner_of(agency)
    client = _client(colleague)
    stranger = client.get(f"/certificates/{certificate.code}.pdf")
    nobody = client.get("/certificates/no-such-code.pdf")
    assert stranger.status_code == nobody.status_code == 404
    assert stranger.content == nobody.content


def test_anonymous_users_are_sent_to_sign_in(certificate):
    """Sign-in first: the code is not looked at before."""
    response = _client().get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_the_pdf_is_built_after_the_issue_commits_and_kept_privately(
    learner, credited, django_capture_on_commit_callbacks
):
    """Issuing queues the build on commit; the file sits in the default storage under a path
    no URL serves, and the view streams that file (no second render)."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enrollment = finish(learner, credited)
    certificate = Certificate.objects.get(enrollment=enrollment)
    path = pdf.certificate_pdf_path(certificate)
    assert path == f"certificates/valid/{certificate.code}.en.pdf"
    assert not default_storage.exists(path)
    for callback in callbacks:
        callback()
    assert default_storage.exists(path)
    with default_storage.open(path, "rb") as kept:
        kept_bytes = kept.read()
    assert kept_bytes.startswith(b"%PDF")

    response = _client(learner).get(f"/certificates/{certificate.code}.pdf")
    assert response.content == kept_bytes


def test_a_missing_pdf_is_built_by_the_view_and_kept(certificate):
    path = pdf.certificate_pdf_path(certificate)
    assert not default_storage.exists(path)  # on-commit callbacks do not run in these tests
    response = _client(certificate.user).get(f"/certificates/{certificate.code}.pdf")
    assert response.status_code == 200
    assert default_storage.exists(path)


def test_building_twice_is_idempotent(certificate):
    """The task leaves a kept PDF alone; the storage holds one file per certificate state (and
    language: the learner's, here the site's English)."""
    ids = [certificate.enrollment_id]
    assert tasks.certificate_pdfs_build(ids) == 1
    assert tasks.certificate_pdfs_build(ids) == 0
    assert default_storage.listdir("certificates/valid")[1] == [f"{certificate.code}.en.pdf"]


def test_a_revoked_certificates_pdf_says_revoked(certificate, django_capture_on_commit_callbacks):
    """Revoking drops the valid copy and builds the revoked one; the reason stays out of it."""
    staff = factories.UserFactory(is_staff=True)
    pdf.certificate_pdf_build(certificate)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, by=staff, reason="Completed on a shared login")
    assert not default_storage.exists(f"certificates/valid/{certificate.code}.en.pdf")
    assert default_storage.exists(f"certificates/revoked/{certificate.code}.en.pdf")

    text = _text(_client(certificate.user).get(f"/certificates/{certificate.code}.pdf"))
    assert re.search(r"This certificate was revoked on \d+ \w+ \d{4} and is no longer valid", text)
    assert "Jordan Ellis" in text
    assert "shared login" not in text


def test_a_revoked_certificate_never_gets_its_valid_copy(certificate):
    """Even with the rebuild not run (a broker down), the view never serves the valid file."""
    staff = factories.UserFactory(is_staff=True)
    pdf.certificate_pdf_build(certificate)
    certificate_revoke(certificate=certificate, by=staff, reason="Issued in error")
    text = _text(_client(staff).get(f"/certificates/{certificate.code}.pdf"))
    assert "revoked" in text.lower()


# The reader's language: each language its own kept copy.


def _spanish(user) -> None:
    type(user).objects.filter(pk=user.pk).update(preferred_language="es")
    user.refresh_from_db()


def _kept(path: str) -> bytes:
    with default_storage.open(path, "rb") as kept:
        return kept.read()


def test_a_spanish_learners_pdf_is_built_in_spanish_after_the_issue(
    learner, credited, django_capture_on_commit_callbacks
):
    """The build after completion writes the learner's own language (their preferred one,
    whatever language the request that completed it was in); the learner reads that copy."""
    _spanish(learner)
    with django_capture_on_commit_callbacks(execute=True):
        enrollment = finish(learner, credited)
    certificate = Certificate.objects.get(enrollment=enrollment)
    spanish = f"certificates/valid/{certificate.code}.es.pdf"
    assert default_storage.listdir("certificates/valid")[1] == [f"{certificate.code}.es.pdf"]

    response = _client(learner).get(f"/certificates/{certificate.code}.pdf")
    assert response.content == _kept(spanish)
    text = _text(response)
    assert "Certificado de finalización" in text
    assert "Se certifica que" in text
    assert "ha completado la serie de formación" in text
    assert "impartida por NCMEC" in text
    assert "1,5 horas · POST CPT" in text
    assert "Verifique este certificado" in text
    assert "Certificate of Completion" not in text


def test_the_spanish_pdf_shows_dates_like_the_spanish_pages(certificate):
    _spanish(certificate.user)
    text = _text(_client(certificate.user).get(f"/certificates/{certificate.code}.pdf"))
    assert "9 de marzo de 2026" in text
    assert "9 March 2026" not in text


def test_each_reader_gets_the_certificate_in_their_language_and_both_copies_are_kept(
    certificate, agency
):
    """The learner reads Spanish, their supervisor English (the site's language): each reader's
    first open builds their language's copy, kept beside the other."""
    _spanish(certificate.user)
    supervisor = factories.supervisor_of(agency)
    spanish = _text(_client(certificate.user).get(f"/certificates/{certificate.code}.pdf"))
    english = _text(_client(supervisor).get(f"/certificates/{certificate.code}.pdf"))
    assert "Certificado de finalización" in spanish
    assert "Certificate of Completion" in english
    assert "9 March 2026" in english
    assert "Certificado" not in english
    assert sorted(default_storage.listdir("certificates/valid")[1]) == [
        f"{certificate.code}.en.pdf",
        f"{certificate.code}.es.pdf",
    ]
    # Opened again: the kept copies, each in its language.
    again = _client(supervisor).get(f"/certificates/{certificate.code}.pdf")
    assert again.content == _kept(f"certificates/valid/{certificate.code}.en.pdf")


def test_a_reader_with_no_preference_gets_their_browsers_language(certificate, agency):
    supervisor = factories.supervisor_of(agency)
    response = _client(supervisor).get(
        f"/certificates/{certificate.code}.pdf", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert "Certificado de finalización" in _text(response)
    assert response["Content-Language"] == "es"
    assert default_storage.exists(f"certificates/valid/{certificate.code}.es.pdf")


def test_revoking_removes_every_languages_copy_and_each_reader_gets_it_revoked(
    certificate, agency, django_capture_on_commit_callbacks
):
    """Both valid copies go; the rebuild keeps the revoked one in the learner's language, and an
    English reader's revoked copy is built on their first open."""
    _spanish(certificate.user)
    supervisor = factories.supervisor_of(agency)
    pdf.certificate_pdf_build(certificate, "es")
    pdf.certificate_pdf_build(certificate, "en")
    staff = factories.UserFactory(is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, by=staff, reason="Completed on a shared login")
    assert default_storage.listdir("certificates/valid")[1] == []
    assert default_storage.listdir("certificates/revoked")[1] == [f"{certificate.code}.es.pdf"]

    spanish = _text(_client(certificate.user).get(f"/certificates/{certificate.code}.pdf"))
    assert re.search(r"Este certificado fue revocado el \d+ de \w+ de \d{4} y ya no es", spanish)
    assert "REVOCADO" in spanish
    english = _text(_client(supervisor).get(f"/certificates/{certificate.code}.pdf"))
    assert re.search(r"This certificate was revoked on \d+ \w+ \d{4} and is no longer", english)
    assert sorted(default_storage.listdir("certificates/revoked")[1]) == [
        f"{certificate.code}.en.pdf",
        f"{certificate.code}.es.pdf",
    ]
    assert "shared login" not in spanish + english


def test_a_copy_kept_under_the_old_single_language_path_is_never_served(certificate):
    """Copies kept before PDFs had a language (``{code}.pdf``) count as absent: the reader's is
    built under its new path, and the old one goes; revoking removes such a copy too."""
    old = f"certificates/valid/{certificate.code}.pdf"
    default_storage.save(old, ContentFile(b"%PDF-old"))
    response = _client(certificate.user).get(f"/certificates/{certificate.code}.pdf")
    assert response.content != b"%PDF-old"
    assert not default_storage.exists(old)
    assert default_storage.exists(f"certificates/valid/{certificate.code}.en.pdf")

    default_storage.save(old, ContentFile(b"%PDF-old"))
    pdf.certificate_pdf_discard(certificate)
    assert default_storage.listdir("certificates/valid")[1] == []


def test_the_pdfs_html_says_its_language(certificate):
    context = {"certificate": certificate, "verification_url": "https://x.test/", "qr_data_uri": ""}
    with translation.override("es"):
        assert '<html lang="es">' in render_to_string(pdf.CERTIFICATE_TEMPLATE, context)
    with translation.override("en"):
        assert '<html lang="en">' in render_to_string(pdf.CERTIFICATE_TEMPLATE, context)
