"""The studio's toolkit pages: authors keep the CAC resource toolkit up to date.

Retiring a resource takes it off the learners' toolkit page only: course components that point
at it keep opening it. Link checks run after commit, in the worker.
"""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courses.models import Component, live_components_q
from studio.forms.toolkit import ResourceForm, StudioToolkitSearchForm
from studio.views.common import author_required
from toolkit import selectors, services, tasks
from toolkit.models import Resource


def _get_resource(resource_id: int) -> Resource:
    return get_object_or_404(Resource, pk=resource_id)


def _resource_url(resource: Resource) -> str:
    """The resource's row on the studio toolkit page."""
    return reverse("studio:toolkit") + f"#resource-{resource.pk}"


def _resources_for_studio(
    *, q: str = "", folder: str = "", category: str = "", link_status: str = "", state: str = ""
) -> QuerySet[Resource]:
    """Every resource, listed and retired, matching the filters, with how many live components
    use it."""
    resources = Resource.objects.annotate(
        component_count=Count("components", filter=live_components_q("components__"))
    )
    if folder:
        resources = resources.filter(folder=folder)
    if category:
        resources = resources.filter(category=category)
    if link_status:
        resources = resources.filter(link_status=link_status)
    if state:
        resources = resources.filter(is_active=state == "listed")
    for word in q.split()[:8]:
        resources = resources.filter(
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(source__icontains=word)
            | Q(url__icontains=word)
            | Q(slug__icontains=word)
        )
    return resources.order_by("folder", "category", "title", "pk")


def _grouped(resources: list[Resource]) -> list[dict]:
    """Folders, each with its categories, each with its resources (already in that order)."""
    folder_labels = dict(Resource.Folder.choices)
    category_labels = dict(Resource.Category.choices)
    return [
        {
            "label": folder_labels[folder],
            "categories": [
                {"label": category_labels[category], "resources": list(items)}
                for category, items in groupby(group, key=lambda r: r.category)
            ],
        }
        for folder, group in groupby(resources, key=lambda r: r.folder)
    ]


def _add_service_errors(form: BaseForm, error: ValidationError) -> None:
    """The service's refusal, shown beside the fields it names (or above the form)."""
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


@require_GET
@author_required
def toolkit(request: HttpRequest) -> HttpResponse:
    form = StudioToolkitSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    resources = list(_resources_for_studio(**filters))
    totals = Resource.objects.aggregate(
        listed=Count("pk", filter=Q(is_active=True)),
        retired=Count("pk", filter=Q(is_active=False)),
    )
    return render(
        request,
        "studio/toolkit/index.html",
        {
            "form": form,
            "broken": list(selectors.broken_links()),
            "folders": _grouped(resources),
            "count": len(resources),
            "searched": any(filters.values()),
            "totals": totals,
        },
    )


@require_http_methods(["GET", "POST"])
@author_required
def resource_new(request: HttpRequest) -> HttpResponse:
    form = ResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_create(**form.data_for_service())
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("“%(title)s” added to the toolkit. Its link will be checked in a moment.")
                % {"title": resource.title},
            )
            return redirect(_resource_url(resource))
    return render(request, "studio/toolkit/resource_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@author_required
def resource_edit(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = _get_resource(resource_id)
    old_url = resource.url  # the bound form changes the instance when it validates
    form = ResourceForm(request.POST or None, instance=resource)
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_update(resource=resource, **form.data_for_service())
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            if resource.url != old_url:
                messages.success(
                    request,
                    _(
                        "“%(title)s” saved. Its new link is not checked yet: "
                        "the check runs in a moment."
                    )
                    % {"title": resource.title},
                )
            else:
                messages.success(request, _("“%(title)s” saved.") % {"title": resource.title})
            return redirect(_resource_url(resource))
        resource.url = old_url  # the side panel describes the stored link, not the input
    components = (
        _live_components_of(resource)
        .select_related("module__series")
        .order_by("module__series__title", "module__position", "position")
    )
    return render(
        request,
        "studio/toolkit/resource_form.html",
        {"form": form, "resource": resource, "components": components},
    )


def _live_components_of(resource: Resource) -> QuerySet[Component]:
    return Component.objects.live().filter(resource=resource)


def _set_active(request: HttpRequest, resource_id: int, *, is_active: bool) -> HttpResponse:
    resource = _get_resource(resource_id)
    was_active = resource.is_active
    services.resource_set_active(resource=resource, is_active=is_active)
    if was_active == is_active:
        if is_active:
            already = _("“%(title)s” is already listed on the toolkit page.")
        else:
            already = _("“%(title)s” is already retired.")
        messages.info(request, already % {"title": resource.title})
    elif is_active:
        messages.success(
            request,
            _(
                "“%(title)s” is listed on the toolkit page again. Its link will be checked "
                "in a moment."
            )
            % {"title": resource.title},
        )
    else:
        used = _live_components_of(resource).count()
        retired = _("“%(title)s” is retired: learners no longer see it in the toolkit.") % {
            "title": resource.title
        }
        if used:
            kept = ngettext(
                "The course component that uses it still opens it.",
                "The %(count)s course components that use it still open it.",
                used,
            ) % {"count": used}
            retired = f"{retired} {kept}"
        messages.success(request, retired)
    return redirect(_resource_url(resource))


@require_POST
@author_required
def resource_retire(request: HttpRequest, resource_id: int) -> HttpResponse:
    return _set_active(request, resource_id, is_active=False)


@require_POST
@author_required
def resource_restore(request: HttpRequest, resource_id: int) -> HttpResponse:
    return _set_active(request, resource_id, is_active=True)


@require_POST
@author_required
def resource_check(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = _get_resource(resource_id)
    if not resource.is_active:
        messages.warning(
            request,
            _("“%(title)s” is retired, and retired resources are not checked: restore it first.")
            % {"title": resource.title},
        )
    else:
        tasks.check_link.delay_on_commit(resource.pk)
        messages.success(
            request,
            _(
                "The link of “%(title)s” is being checked now. Reload this page in a minute to "
                "see the result."
            )
            % {"title": resource.title},
        )
    return redirect(_resource_url(resource))
