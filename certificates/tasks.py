"""Thin tasks of the certificates app."""

from celery import shared_task
from django.core.files.storage import default_storage

from certificates import pdf
from certificates.models import Certificate


@shared_task(ignore_result=True)
def certificate_pdfs_build(enrollment_ids: list[int]) -> int:
    """After certificates were issued for these enrollments: build each one's PDF once, in its
    learner's language (their preferred one, else the site's), so the learner's first download
    is a file read; a reader in another language gets theirs built on first open. Idempotent: a
    PDF already kept is left alone."""
    built = 0
    for certificate in Certificate.objects.filter(enrollment_id__in=enrollment_ids).select_related(
        "user"
    ):
        language = pdf.learner_language(certificate)
        if not default_storage.exists(pdf.certificate_pdf_path(certificate, language)):
            pdf.certificate_pdf_build(certificate, language)
            built += 1
    return built


@shared_task(ignore_result=True)
def certificate_pdf_rebuild(certificate_id: int) -> None:
    """After a revocation: drop every kept copy (each language's) and keep the one that says
    revoked in the learner's language; other languages' are built on first open."""
    certificate = Certificate.objects.filter(pk=certificate_id).select_related("user").first()
    if certificate is None:
        return
    pdf.certificate_pdf_discard(certificate)
    pdf.certificate_pdf_build(certificate, pdf.learner_language(certificate))
