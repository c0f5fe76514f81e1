"""Access rules shared by the role areas (agency pages, studio): written once."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.selectors import has_mfa


def mfa_setup_redirect(request: HttpRequest, *, why: str) -> HttpResponse | None:
    """When the site requires MFA and the user has none: tell them why and send them to set it
    up. None when they may go on."""
    # Past the sign-in gate (LoginRequiredMiddleware): never an anonymous user here.
    if settings.LMS_REQUIRE_MFA and not has_mfa(request.user):  # type: ignore[arg-type]
        messages.warning(request, f"{why}: turn on two-factor authentication to open them.")
        return redirect("mfa_index")
    return None
