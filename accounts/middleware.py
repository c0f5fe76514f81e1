import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from accounts.selectors import has_mfa

SESSION_KEY = "lms_timezone"
NAV_SUPERVISOR_KEY = "lms_nav_supervisor"  # which links the navigation shows, set at sign-in
NAV_AUTHOR_KEY = "lms_nav_author"


class AgencyTimezoneMiddleware:
    """Show dates and times in the learner's agency time zone, remembered in the session at
    sign-in (see accounts.signals), so no request pays a query for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class StaffMFAMiddleware:
    """When the site requires MFA, Django admin (which sees everything) requires it too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.LMS_REQUIRE_MFA
            and request.path.startswith("/admin/")
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not has_mfa(user)
        ):
            messages.warning(
                request, "Django admin holds every record: turn on two-factor authentication first."
            )
            return redirect("mfa_index")
        return self.get_response(request)
