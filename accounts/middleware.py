import zoneinfo
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from accounts.selectors import has_mfa
from accounts.sessions import session_clock, session_touch
from audit.services import audit_record

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


class PreferredLanguageMiddleware:
    """A signed-in user who chose a language in their profile reads the site in it, whatever
    the browser asks for; everyone else keeps ``LocaleMiddleware``'s choice (the switcher's
    cookie, else ``Accept-Language``).

    No query of its own: ``request.user`` is the user every signed-in request loads anyway
    (``SessionLimitsMiddleware`` and ``LoginRequiredMiddleware`` read it), kept on the request;
    for a visitor with no session it costs nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = user.preferred_language
            if language and language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


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
                request,
                gettext(
                    "Django admin holds every record: turn on two-factor authentication first."
                ),
            )
            return redirect("mfa_index")
        return self.get_response(request)


class SessionLimitsMiddleware:
    """End a signed-in session on the server once it has been idle for
    ``LMS_SESSION_IDLE_MINUTES`` or open for ``LMS_SESSION_ABSOLUTE_HOURS`` (``accounts.sessions``).

    The session is flushed (deleted from the store), the end recorded (``auth.session_expired``)
    and a message says why; the request then goes on as an anonymous one, so a page that needs
    a signed-in user sends it to sign in (``LoginRequiredMiddleware``) and returns after. Placed
    after ``MessageMiddleware``, whose cookie carries the message past the flush."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = session_clock(request.session).expired
            if reason is not None:
                self._end(request, reason)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> None:
        """A request the user made counts as activity, unless its view is ``session_passive``."""
        if request.user.is_authenticated and not getattr(view_func, "session_passive", False):
            session_touch(request.session)

    @staticmethod
    def _end(request: HttpRequest, reason: str) -> None:
        user = request.user
        if reason == "idle":
            minutes = settings.LMS_SESSION_IDLE_MINUTES
            limit = {"idle_minutes": minutes}
            text = ngettext(
                "You were signed out after %(minutes)d minute without activity. Sign in again "
                "to continue.",
                "You were signed out after %(minutes)d minutes without activity. Sign in again "
                "to continue.",
                minutes,
            ) % {"minutes": minutes}
        else:
            hours = settings.LMS_SESSION_ABSOLUTE_HOURS
            limit = {"absolute_hours": hours}
            text = ngettext(
                "You were signed out because sessions last at most %(hours)d hour. Sign in "
                "again to continue.",
                "You were signed out because sessions last at most %(hours)d hours. Sign in "
                "again to continue.",
                hours,
            ) % {"hours": hours}
        audit_record(
            action="auth.session_expired",
            actor=user,
            target=user,  # type: ignore[arg-type]
            request=request,
            details={"reason": reason, **limit},
        )
        logout(request)
        messages.info(request, text)
