"""The certificate as a signed Open Badges 3.0 credential, and the key set that verifies it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from certificates.credentials import credential_jwt, verification_url
from certificates.selectors import certificate_for_viewer
from certificates.services import certificate_opened
from certificates.signing import public_key_set

# RFC 7519's own media type: Open Badges 3.0 (section 8.2) allows only "JWT" as the token's
# ``typ``, which is this type's short name (application/vc+jwt goes with typ "vc+jwt").
CREDENTIAL_MEDIA_TYPE = "application/jwt"


@require_GET
@cache_control(private=True, no_store=True)
def credential(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """The VC-JWT of a certificate, for whoever may open its PDF (404 for anyone else). A
    revoked certificate is 410 Gone: the site signs nothing afresh for it; a copy downloaded
    before stays signed, and its ``id``, the public verification page, says it is revoked."""
    certificate = certificate_for_viewer(user=request.user, code=code)
    certificate_opened(
        certificate=certificate, viewer=request.user, page="credential.jwt", request=request
    )
    if not certificate.is_valid:
        return HttpResponse(
            f"This certificate was revoked. Its status: {verification_url(certificate)}\n",
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(credential_jwt(certificate), content_type=CREDENTIAL_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="certificate-{code}.jwt"'
    return response


@login_not_required
@require_GET
@cache_control(public=True, max_age=60 * 60)
def jwks(request: HttpRequest) -> JsonResponse:
    """The public keys that verify the site's credentials (never a private part)."""
    response = JsonResponse(public_key_set())
    # Verifiers may run in a browser on another site: the key set is public anyway.
    response["Access-Control-Allow-Origin"] = "*"
    return response
