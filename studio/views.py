"""The author's studio: series, modules and components, built by course designers in forms."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import mfa_setup_redirect
from courses import content
from courses.models import Component, Module, Series
from studio.forms import ComponentForm, ModuleForm, MoveForm, SeriesForm, StatusForm


def author_required(view: Callable) -> Callable:
    """Authors (the Authors group) and staff only: 403 for everyone else. With MFA turned on
    when the site requires it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_author:
            raise PermissionDenied("Only course authors can open the studio.")
        why = "The studio's pages change what every learner sees"
        if (setup := mfa_setup_redirect(request, why=why)) is not None:
            return setup
        return view(request, *args, **kwargs)

    return wrapper


KIND_HINTS = {
    Component.Kind.VIDEO: "A WebM or MP4 file; complete when enough of it has been watched.",
    Component.Kind.DOCUMENT: "A reading; complete when the learner marks it read.",
    Component.Kind.RESOURCE: "A link to a toolkit resource; complete when opened.",
    Component.Kind.QUIZ: "Choice questions with a pass mark; complete on passing.",
    Component.Kind.SURVEY: "Agreement, choice and free-text questions, anonymous if you wish.",
    Component.Kind.CERTIFICATE: "Marks where the series' certificate is issued; never required.",
}


def _get_series(slug: str) -> Series:
    return get_object_or_404(Series, slug=slug)


def _get_module(module_id: int) -> Module:
    return get_object_or_404(
        Module.objects.select_related("series"), pk=module_id, archived_at__isnull=True
    )


def _get_component(component_id: int) -> Component:
    return get_object_or_404(
        Component.objects.select_related("module__series"),
        pk=component_id,
        archived_at__isnull=True,
        module__archived_at__isnull=True,
    )


def _series_url(series: Series) -> str:
    return reverse("studio:series-detail", kwargs={"series_slug": series.slug})


@require_GET
@author_required
def index(request: HttpRequest) -> HttpResponse:
    series = Series.objects.annotate(
        module_count=Count("modules", filter=Q(modules__archived_at__isnull=True), distinct=True),
        learner_count=Count("enrollments__user", distinct=True),
    ).order_by("status", "title")
    return render(request, "studio/index.html", {"series_list": series})


@require_http_methods(["GET", "POST"])
@author_required
def series_new(request: HttpRequest) -> HttpResponse:
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        series = content.series_create(**form.cleaned_data)
        messages.success(request, f"“{series.title}” created as a draft: add its modules.")
        return redirect(_series_url(series))
    return render(request, "studio/series_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@author_required
def series_edit(request: HttpRequest, series_slug: str) -> HttpResponse:
    series = _get_series(series_slug)
    form = SeriesForm(request.POST or None, instance=series)
    if request.method == "POST" and form.is_valid():
        try:
            series = content.series_update(series=series, **form.cleaned_data)
        except content.ContentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Series saved.")
            return redirect(_series_url(series))
    return render(request, "studio/series_form.html", {"form": form, "series": series})


@require_GET
@author_required
def series_detail(request: HttpRequest, series_slug: str) -> HttpResponse:
    series = _get_series(series_slug)
    modules = list(
        series.modules.filter(archived_at__isnull=True)
        .order_by("position")
        .prefetch_related(
            Prefetch(
                "components",
                queryset=Component.objects.filter(archived_at__isnull=True)
                .select_related("resource")
                .annotate(question_count=Count("questions"))
                .order_by("position"),
            ),
            Prefetch(
                "prerequisites",
                queryset=Module.objects.filter(archived_at__isnull=True).order_by("position"),
            ),
        )
    )
    return render(
        request,
        "studio/series_detail.html",
        {
            "series": series,
            "modules": modules,
            "kinds": Component.Kind.choices,
            "statuses": Series.Status,
        },
    )


@require_POST
@author_required
def series_status(request: HttpRequest, series_slug: str) -> HttpResponse:
    series = _get_series(series_slug)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose draft, published or archived.")
        return redirect(_series_url(series))
    try:
        content.series_set_status(series=series, status=form.cleaned_data["status"])
    except content.ContentRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"“{series.title}” is now {series.get_status_display().lower()}.")
    return redirect(_series_url(series))


@require_http_methods(["GET", "POST"])
@author_required
def module_new(request: HttpRequest, series_slug: str) -> HttpResponse:
    series = _get_series(series_slug)
    form = ModuleForm(request.POST or None, series=series, instance=Module(series=series))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        prerequisites = data.pop("prerequisites")
        try:
            module = content.module_create(series=series, prerequisites=prerequisites, **data)
        except content.ContentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"Module “{module.title}” added.")
            return redirect(f"{_series_url(series)}#module-{module.pk}")
    return render(request, "studio/module_form.html", {"form": form, "series": series})


@require_http_methods(["GET", "POST"])
@author_required
def module_edit(request: HttpRequest, module_id: int) -> HttpResponse:
    module = _get_module(module_id)
    series = module.series
    form = ModuleForm(request.POST or None, series=series, instance=module)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        prerequisites = data.pop("prerequisites")
        try:
            content.module_update(module=module, prerequisites=prerequisites, **data)
        except content.ContentRefused as refusal:
            form.add_error("prerequisites", str(refusal))
        else:
            messages.success(request, "Module saved.")
            return redirect(f"{_series_url(series)}#module-{module.pk}")
    return render(
        request, "studio/module_form.html", {"form": form, "series": series, "module": module}
    )


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or "HX-Request" in request.headers


def _ordered_ids(request: HttpRequest) -> list[int]:
    """The order a drag and drop sends: JSON ``{"order": [ids]}`` or form fields ``order``."""
    if request.content_type == "application/json":
        try:
            values = json.loads(request.body or b"{}").get("order", [])
        except (ValueError, AttributeError) as exc:
            raise content.ContentRefused("The order could not be read.") from exc
    else:
        values = request.POST.getlist("order")
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise content.ContentRefused("The order could not be read.") from exc


def _reordered(
    request: HttpRequest, action: Callable[[list[int]], None], back: str
) -> HttpResponse:
    try:
        action(_ordered_ids(request))
    except content.ContentRefused as refusal:
        if _wants_json(request):
            return JsonResponse({"error": str(refusal)}, status=400)
        messages.error(request, str(refusal))
        return redirect(back)
    if _wants_json(request):
        return JsonResponse({"saved": True})
    messages.success(request, "New order saved.")
    return redirect(back)


@require_POST
@author_required
def modules_reorder(request: HttpRequest, series_slug: str) -> HttpResponse:
    series = _get_series(series_slug)
    return _reordered(
        request,
        lambda ids: content.modules_reorder(series=series, ordered_ids=ids),
        _series_url(series),
    )


@require_POST
@author_required
def module_move(request: HttpRequest, module_id: int) -> HttpResponse:
    module = _get_module(module_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            content.module_move(module=module, direction=form.cleaned_data["direction"])
        except content.ContentRefused as refusal:
            messages.error(request, str(refusal))
    return redirect(f"{_series_url(module.series)}#module-{module.pk}")


@require_http_methods(["GET", "POST"])
@author_required
def module_delete(request: HttpRequest, module_id: int) -> HttpResponse:
    module = _get_module(module_id)
    if request.method == "POST":
        try:
            outcome = content.module_remove(module=module)
        except content.ContentRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(_series_url(module.series))
        if outcome == "archived":
            messages.success(
                request,
                f"“{module.title}” is archived: learners' records in it are kept; nobody sees it.",
            )
        else:
            messages.success(request, f"“{module.title}” deleted.")
        return redirect(_series_url(module.series))
    return render(
        request,
        "studio/confirm_delete.html",
        {
            "series": module.series,
            "thing": module,
            "kept": content.module_has_records(module),
            "cancel": _series_url(module.series),
        },
    )


@require_http_methods(["GET", "POST"])
@author_required
def component_new(request: HttpRequest, module_id: int) -> HttpResponse:
    module = _get_module(module_id)
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    if kind not in Component.Kind.values:
        return render(
            request,
            "studio/component_kind.html",
            {
                "series": module.series,
                "module": module,
                "kinds": [(k, label, KIND_HINTS[k]) for k, label in Component.Kind.choices],
            },
        )
    form = ComponentForm(
        request.POST or None,
        request.FILES or None,
        kind=kind,
        instance=Component(module=module, kind=kind, position=0),
    )
    if request.method == "POST" and form.is_valid():
        try:
            component = content.component_create(
                module=module, kind=kind, **form.data_for_service()
            )
        except content.ContentRefused as refusal:
            form.add_error("required" if "required" in form.fields else None, str(refusal))
        else:
            messages.success(request, f"{component.get_kind_display()} “{component.title}” added.")
            if kind in (Component.Kind.QUIZ, Component.Kind.SURVEY):
                return redirect("studio:questions", component_id=component.pk)
            return redirect(f"{_series_url(module.series)}#component-{component.pk}")
    return render(
        request,
        "studio/component_form.html",
        {"form": form, "series": module.series, "module": module, "kind": kind,
         "kind_label": Component.Kind(kind).label,
         "heading": f"New {Component.Kind(kind).label.lower()}"},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@author_required
def component_edit(request: HttpRequest, component_id: int) -> HttpResponse:
    component = _get_component(component_id)
    module = component.module
    form = ComponentForm(
        request.POST or None, request.FILES or None, kind=component.kind, instance=component
    )
    if request.method == "POST" and form.is_valid():
        try:
            content.component_update(component=component, **form.data_for_service())
        except content.ContentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, "Component saved.")
            return redirect(f"{_series_url(module.series)}#component-{component.pk}")
    return render(
        request,
        "studio/component_form.html",
        {"form": form, "series": module.series, "module": module, "component": component,
         "kind": component.kind, "kind_label": component.get_kind_display(),
         "heading": f"Edit {component.get_kind_display().lower()}: {component.title}"},
    )  # fmt: skip


@require_POST
@author_required
def components_reorder(request: HttpRequest, module_id: int) -> HttpResponse:
    module = _get_module(module_id)
    return _reordered(
        request,
        lambda ids: content.components_reorder(module=module, ordered_ids=ids),
        f"{_series_url(module.series)}#module-{module.pk}",
    )


@require_POST
@author_required
def component_move(request: HttpRequest, component_id: int) -> HttpResponse:
    component = _get_component(component_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            content.component_move(component=component, direction=form.cleaned_data["direction"])
        except content.ContentRefused as refusal:
            messages.error(request, str(refusal))
    return redirect(f"{_series_url(component.module.series)}#component-{component.pk}")


@require_http_methods(["GET", "POST"])
@author_required
def component_delete(request: HttpRequest, component_id: int) -> HttpResponse:
    component = _get_component(component_id)
    series = component.module.series
    if request.method == "POST":
        try:
            outcome = content.component_remove(component=component)
        except content.ContentRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(f"{_series_url(series)}#module-{component.module_id}")
        if outcome == "archived":
            messages.success(
                request,
                f"“{component.title}” is archived: learners' records are kept; nobody sees it.",
            )
        else:
            messages.success(request, f"“{component.title}” deleted.")
        return redirect(f"{_series_url(series)}#module-{component.module_id}")
    return render(
        request,
        "studio/confirm_delete.html",
        {
            "series": series,
            "thing": component,
            "kept": content.component_has_records(component),
            "cancel": _series_url(series),
        },
    )
