"""The learner's certificates, their PDFs, and the public verification page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from certificates import pdf, selectors
from certificates.services import certificate_opened


@require_GET
def certificate_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The signed-in user's own certificates, newest first, valid and revoked."""
    certificates = selectors.certificates_of(user=request.user)
    return render(request, "certificates/list.html", {"certificates": certificates})


@require_GET
def certificate_pdf(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The certificate as a one-page PDF for those who may open it; 404 for anyone else."""
    certificate = selectors.certificate_for_viewer(user=request.user, code=code)
    certificate_opened(
        certificate=certificate, viewer=request.user, page="certificate.pdf", request=request
    )
    response = HttpResponse(pdf.certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{certificate.code}.pdf"'
    response["Cache-Control"] = "private, no-store"  # a learner's record: never kept in a cache
    return response


@login_not_required
@require_GET
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: whether the certificate is valid, and what it certifies; nothing more."""
    certificate = selectors.certificate_public(code=code)
    return render(request, "certificates/verify.html", {"certificate": certificate})
