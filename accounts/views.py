"""The user's own pages (allauth serves sign-in, email and two-factor ones)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import services, sessions
from accounts.forms import ProfileForm
from accounts.http import AuthenticatedHttpRequest
from accounts.sessions import session_passive


@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The name as printed on certificates, the officer ID, the preferred language."""
    user = request.user
    initial = {
        "full_name": user.full_name,
        "certificate_name": user.certificate_name,
        "officer_id": user.officer_id,
        "preferred_language": user.preferred_language,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            services.profile_update(user=user, **form.cleaned_data)
            messages.success(
                request,
                "Your profile is saved. Certificates issued from now on carry the name on "
                "certificates; those already issued keep the name they were issued with.",
            )
            return redirect("accounts:profile")
        messages.error(request, "Your profile is not saved yet: please correct the fields marked.")
    return render(request, "accounts/profile.html", {"form": form})


@login_not_required
@never_cache
@session_passive  # asking how long is left must not count as activity; a POST counts below
@require_http_methods(["GET", "POST"])
def session_status(request: HttpRequest) -> JsonResponse:
    """The warning dialog's endpoint: GET says how long the session has left, POST (“Stay
    signed in”) counts as activity first. 401 once the session is over (or never was)."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False}, status=401)
    if request.method == "POST":
        sessions.session_touch(request.session, force=True)
    clock = sessions.session_clock(request.session)
    return JsonResponse(
        {
            "signed_in": True,
            "seconds_left": max(0, int(clock.seconds_left)),
            "extendable": clock.extendable,
        }
    )
