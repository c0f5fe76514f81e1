"""PDF documents drawn from Django templates with WeasyPrint (certificates, transcripts), and the
private cache of certificate PDFs."""

from __future__ import annotations

import logging
import time
from typing import Any

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.urls import reverse

from certificates.models import Certificate

logger = logging.getLogger(__name__)

CERTIFICATE_TEMPLATE = "certificates/certificate_pdf.html"


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """The template rendered to HTML, then laid out as a PDF. Static files (fonts, images) are
    read from the project's static folders, never fetched over the network."""
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR / "static")).write_pdf()


def verification_url(certificate: Certificate) -> str:
    """The public verification page's absolute address, as printed and encoded in the QR code."""
    return settings.LMS_BASE_URL.rstrip("/") + reverse(
        "certificates:verify", kwargs={"code": certificate.code}
    )


def certificate_pdf_path(certificate: Certificate) -> str:
    """Where the certificate's PDF is kept in the default storage: a private path that no URL
    serves (the PDF view streams it after its permission check). A revoked certificate has its
    own file, so the cached copy always says what the certificate is now."""
    state = "revoked" if certificate.revoked_at else "valid"
    return f"certificates/{state}/{certificate.code}.pdf"


def certificate_pdf_render(certificate: Certificate) -> bytes:
    """The one-page certificate, with the QR code of its verification URL."""
    url = verification_url(certificate)
    qr = segno.make(url, error="m")
    started = time.perf_counter()
    pdf = render_pdf(
        CERTIFICATE_TEMPLATE,
        {
            "certificate": certificate,
            "verification_url": url,
            "qr_data_uri": qr.svg_data_uri(scale=4, border=0, dark="#1f3a5f"),
        },
    )
    logger.info(
        "Rendered the certificate PDF %s in %.0f ms",
        certificate.code,
        (time.perf_counter() - started) * 1000,
    )
    return pdf


def certificate_pdf_build(certificate: Certificate) -> bytes:
    """Render the PDF and keep it; a copy already kept is replaced. Two builds racing both
    write the same bytes; the storage's renamed duplicate, if any, is removed."""
    path = certificate_pdf_path(certificate)
    pdf = certificate_pdf_render(certificate)
    if default_storage.exists(path):
        default_storage.delete(path)
    saved = default_storage.save(path, ContentFile(pdf))
    if saved != path:
        default_storage.delete(saved)
    return pdf


def certificate_pdf_discard(certificate: Certificate) -> None:
    """Forget the kept copy for the certificate's valid state (after it was revoked)."""
    valid = f"certificates/valid/{certificate.code}.pdf"
    if default_storage.exists(valid):
        default_storage.delete(valid)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF: the kept copy, else built now (and kept)."""
    path = certificate_pdf_path(certificate)
    try:
        with default_storage.open(path, "rb") as kept:
            return kept.read()
    except FileNotFoundError:
        return certificate_pdf_build(certificate)
