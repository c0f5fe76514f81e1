"""The user's own pages (allauth serves sign-in, email and two-factor ones)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import ProfileForm
from accounts.http import AuthenticatedHttpRequest


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
