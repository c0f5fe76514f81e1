from django.http import HttpRequest

from accounts.models import AUTHORS_GROUP, Membership


def roles(request: HttpRequest) -> dict:
    """Which areas the signed-in user may reach, for the navigation. One query, lazily."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def _roles() -> dict[str, bool]:
        if not hasattr(request, "_lms_roles"):
            request._lms_roles = {
                "supervisor": Membership.objects.filter(
                    user=user, role=Membership.Role.SUPERVISOR
                ).exists(),
                "author": user.is_staff or user.groups.filter(name=AUTHORS_GROUP).exists(),
            }
        return request._lms_roles

    return {"nav_roles": _roles}
