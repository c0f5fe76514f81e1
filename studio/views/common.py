"""What every studio page shares: the author gate, the objects an URL names, the drag-and-drop
order."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.access import mfa_setup_redirect
from accounts.http import AuthenticatedHttpRequest
from courses import content
from courses.models import Component, Module, Series
from lms.jsonbody import JsonBodyRefused, parse_json_body


def author_required(view: Callable) -> Callable:
    """Authors (the Authors group) and staff only: 403 for everyone else. With MFA turned on
    when the site requires it."""

    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_author:
            raise PermissionDenied(_("Only course authors can open the studio."))
        why = _("The studio's pages change what every learner sees")
        if (setup := mfa_setup_redirect(request, why=why)) is not None:
            return setup
        return view(request, *args, **kwargs)

    return wrapper


def get_series(slug: str) -> Series:
    return get_object_or_404(Series, slug=slug)


def get_module(module_id: int) -> Module:
    return get_object_or_404(Module.objects.live().select_related("series"), pk=module_id)


def get_component(component_id: int) -> Component:
    return get_object_or_404(
        Component.objects.live().select_related("module__series"), pk=component_id
    )


def series_url(series: Series) -> str:
    return reverse("studio:series-detail", kwargs={"series_slug": series.slug})


def wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "HX-Request" in request.headers


# Primary keys are positive 64-bit integers; anything else cannot name a row.
MAX_ID = 2**63 - 1


def ordered_ids(request: HttpRequest) -> list[int]:
    """The order a drag and drop sends: JSON ``{"order": [ids]}`` or form fields ``order``."""
    if request.content_type == "application/json":
        try:
            payload = parse_json_body(request, empty={})
        except JsonBodyRefused as exc:
            raise content.ContentRefused(
                _("The order could not be read: %(reason)s") % {"reason": exc}
            ) from exc
        values = payload.get("order", []) if isinstance(payload, dict) else None
    else:
        values = request.POST.getlist("order")
    if not isinstance(values, list):
        raise content.ContentRefused(_("The order could not be read."))
    try:
        ids = [int(v) for v in values if not isinstance(v, bool | float)]
    except (TypeError, ValueError) as exc:
        raise content.ContentRefused(_("The order could not be read.")) from exc
    if len(ids) != len(values) or not all(0 < pk <= MAX_ID for pk in ids):
        raise content.ContentRefused(_("The order could not be read."))
    return ids


def reordered(request: HttpRequest, action: Callable[[list[int]], None], back: str) -> HttpResponse:
    try:
        action(ordered_ids(request))
    except content.ContentRefused as refusal:
        if wants_json(request):
            return JsonResponse({"error": str(refusal)}, status=400)
        messages.error(request, str(refusal))
        return redirect(back)
    if wants_json(request):
        return JsonResponse({"saved": True})
    messages.success(request, _("New order saved."))
    return redirect(back)
