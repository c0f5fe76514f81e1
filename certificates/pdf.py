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
from django.utils import translation

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


def pdf_language(language: str | None = None) -> str:
    """The language a certificate PDF is written in, as one of ``settings.LANGUAGES``' codes:
    ``language`` if given, else the active one (a request's: ``LocaleMiddleware`` and
    ``PreferredLanguageMiddleware`` chose it), else the site's. ``"en-us"`` is ``"en"``."""
    for candidate in (language, translation.get_language(), settings.LANGUAGE_CODE):
        if candidate:
            try:
                return translation.get_supported_language_variant(candidate)
            except LookupError:
                continue
    return settings.LANGUAGES[0][0]


def learner_language(certificate: Certificate) -> str:
    """The certificate's learner's own language: their preferred one, else the site's (never
    the active one: the build after completion runs outside the learner's requests)."""
    return pdf_language(certificate.user.language)


def certificate_pdf_path(certificate: Certificate, language: str | None = None) -> str:
    """Where the certificate's PDF in ``language`` (the active language if not given) is kept
    in the default storage: a private path that no URL serves (the PDF view streams it after
    its permission check). A revoked certificate has its own files, so a cached copy always
    says what the certificate is now; each language has its own copy."""
    state = "revoked" if certificate.revoked_at else "valid"
    return f"certificates/{state}/{certificate.code}.{pdf_language(language)}.pdf"


def _certificate_pdf_paths(certificate: Certificate) -> list[str]:
    """Every path a copy of the certificate may be kept under: each state and each language,
    and the single-language path of earlier versions (``certificates/{state}/{code}.pdf``,
    never read any more: such a copy counts as absent and is rebuilt under the new path)."""
    codes = [code for code, _name in settings.LANGUAGES]
    return [
        f"certificates/{state}/{certificate.code}{suffix}.pdf"
        for state in ("valid", "revoked")
        for suffix in ["", *(f".{code}" for code in codes)]
    ]


def certificate_pdf_render(certificate: Certificate, language: str | None = None) -> bytes:
    """The one-page certificate in ``language`` (the active one if not given), with the QR
    code of its verification URL."""
    language = pdf_language(language)
    url = verification_url(certificate)
    qr = segno.make(url, error="m")
    started = time.perf_counter()
    with translation.override(language):
        pdf = render_pdf(
            CERTIFICATE_TEMPLATE,
            {
                "certificate": certificate,
                "verification_url": url,
                "qr_data_uri": qr.svg_data_uri(scale=4, border=0, dark="#1f3a5f"),
            },
        )
    logger.info(
        "Rendered the certificate PDF %s (%s) in %.0f ms",
        certificate.code,
        language,
        (time.perf_counter() - started) * 1000,
    )
    return pdf


def certificate_pdf_build(certificate: Certificate, language: str | None = None) -> bytes:
    """Render the PDF in ``language`` (the active one if not given) and keep it; a copy
    already kept is replaced. Two builds racing both write the same bytes; the storage's
    renamed duplicate, if any, is removed. A copy kept by an earlier version under the
    single-language path goes."""
    language = pdf_language(language)
    path = certificate_pdf_path(certificate, language)
    pdf = certificate_pdf_render(certificate, language)
    if default_storage.exists(path):
        default_storage.delete(path)
    saved = default_storage.save(path, ContentFile(pdf))
    if saved != path:
        default_storage.delete(saved)
    state = "revoked" if certificate.revoked_at else "valid"
    _delete(f"certificates/{state}/{certificate.code}.pdf")
    return pdf


def _delete(path: str) -> None:
    if default_storage.exists(path):
        default_storage.delete(path)


def certificate_pdf_discard(certificate: Certificate) -> None:
    """Forget every kept copy of the certificate: each language's, valid and revoked, and
    any under the single-language path of earlier versions (after it was revoked: the next
    read or the rebuild keeps what it says now)."""
    for path in _certificate_pdf_paths(certificate):
        _delete(path)


def certificate_pdf(certificate: Certificate, language: str | None = None) -> bytes:
    """The certificate's PDF in ``language`` (the active one if not given, i.e. the
    reader's): the kept copy, else built now (and kept)."""
    language = pdf_language(language)
    path = certificate_pdf_path(certificate, language)
    try:
        with default_storage.open(path, "rb") as kept:
            return kept.read()
    except FileNotFoundError:
        return certificate_pdf_build(certificate, language)
