from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.urls import reverse

from accounts.middleware import NAV_AUTHOR_KEY, NAV_SUPERVISOR_KEY


def wellness(request: HttpRequest) -> dict[str, str]:
    """Where the “wellness resources” links on every page lead: the public wellness page
    (signed-out visitors too), which opens with NCMEC's “Coping with CSAM Exposure”."""
    return {"wellness_url": reverse("wellness")}


def navigation(request: HttpRequest) -> dict[str, bool]:
    """Which areas the navigation links to, remembered at sign-in: no query per page."""
    session = getattr(request, "session", None)
    return {
        "nav_supervisor": bool(session and session.get(NAV_SUPERVISOR_KEY)),
        "nav_author": bool(session and session.get(NAV_AUTHOR_KEY)),
    }


def session_limits(request: HttpRequest) -> dict[str, object]:
    """What the sign-out warning on every signed-in page needs (``static/js/session.js``). The
    same for every page and request (the script asks the server how long is left), so a page
    says nothing about when it was made."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    # The dialog's buttons post with the CSRF cookie's token (read by the script), so the page
    # itself carries no per-request token: make sure the cookie is set.
    get_token(request)
    return {
        "session_csrf_cookie": settings.CSRF_COOKIE_NAME,
        "session_warning_seconds": settings.LMS_SESSION_WARNING_SECONDS,
        "session_absolute_hours": settings.LMS_SESSION_ABSOLUTE_HOURS,
    }
