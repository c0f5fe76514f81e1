"""Access rules shared by the role areas (agency pages, studio) and the MFA pages: written once."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext

from accounts.selectors import has_mfa, mfa_enrollment_confirmed, mfa_enrollment_needs_email_code

# The session's random token that ties emailed enrollment codes to it (services store its hash).
MFA_ENROLLMENT_BINDING_KEY = "lms_mfa_enrollment_binding"


def mfa_setup_redirect(request: HttpRequest, *, why: str) -> HttpResponse | None:
    """When the site requires MFA and the user has none: tell them why and send them to set it
    up. None when they may go on."""
    # Past the sign-in gate (LoginRequiredMiddleware): never an anonymous user here.
    if settings.LMS_REQUIRE_MFA and not has_mfa(request.user):  # type: ignore[arg-type]
        messages.warning(
            request,
            gettext("%(why)s: turn on two-factor authentication to open them.") % {"why": why},
        )
        return redirect("mfa_index")
    return None


def mfa_enrollment_gate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wraps allauth's views that add an authenticator (the app, a security key): a user who
    must use MFA and has none yet first enters the code emailed to their verified address in
    this session (``accounts:mfa-email-code``), so the password alone never enrols one. Every
    method is stopped, a POST too: nothing is added before the code."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and mfa_enrollment_needs_email_code(user)
            and not mfa_enrollment_confirmed(
                user=user,
                binding=request.session.get(MFA_ENROLLMENT_BINDING_KEY),
            )
        ):
            query = urlencode({"next": request.path})
            return redirect(f"{reverse('accounts:mfa-email-code')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper
