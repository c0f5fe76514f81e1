from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.middleware import NAV_AUTHOR_KEY, NAV_SUPERVISOR_KEY


def wellness(request: HttpRequest) -> dict[str, str]:
    """Where the “wellness resources” links on every page lead: survivor care in the toolkit,
    at NCMEC's “Coping with CSAM Exposure”."""
    url = reverse("toolkit:index") + "?category=survivor_care"
    return {"wellness_url": f"{url}#resource-{settings.LMS_WELLNESS_RESOURCE_SLUG}"}


def navigation(request: HttpRequest) -> dict[str, bool]:
    """Which areas the navigation links to, remembered at sign-in: no query per page."""
    session = getattr(request, "session", None)
    return {
        "nav_supervisor": bool(session and session.get(NAV_SUPERVISOR_KEY)),
        "nav_author": bool(session and session.get(NAV_AUTHOR_KEY)),
    }
