"""Studio pages of a module: adding, editing, ordering and removing one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from courses import content
from courses.models import Module
from studio.forms.content import ModuleForm, MoveForm
from studio.views.common import author_required, get_module, get_series, reordered, series_url


@require_http_methods(["GET", "POST"])
@author_required
def module_new(request: HttpRequest, series_slug: str) -> HttpResponse:
    series = get_series(series_slug)
    form = ModuleForm(request.POST or None, series=series, instance=Module(series=series))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        prerequisites = data.pop("prerequisites")
        try:
            module = content.module_create(series=series, prerequisites=prerequisites, **data)
        except content.ContentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Module “%(title)s” added.") % {"title": module.title})
            return redirect(f"{series_url(series)}#module-{module.pk}")
    return render(request, "studio/module_form.html", {"form": form, "series": series})


@require_http_methods(["GET", "POST"])
@author_required
def module_edit(request: HttpRequest, module_id: int) -> HttpResponse:
    module = get_module(module_id)
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
            messages.success(request, _("Module saved."))
            return redirect(f"{series_url(series)}#module-{module.pk}")
    return render(
        request, "studio/module_form.html", {"form": form, "series": series, "module": module}
    )


@require_POST
@author_required
def modules_reorder(request: HttpRequest, series_slug: str) -> HttpResponse:
    series = get_series(series_slug)
    return reordered(
        request,
        lambda ids: content.modules_reorder(series=series, ordered_ids=ids),
        series_url(series),
    )


@require_POST
@author_required
def module_move(request: HttpRequest, module_id: int) -> HttpResponse:
    module = get_module(module_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            content.module_move(module=module, direction=form.cleaned_data["direction"])
        except content.ContentRefused as refusal:
            messages.error(request, str(refusal))
    return redirect(f"{series_url(module.series)}#module-{module.pk}")


@require_http_methods(["GET", "POST"])
@author_required
def module_delete(request: HttpRequest, module_id: int) -> HttpResponse:
    module = get_module(module_id)
    if request.method == "POST":
        try:
            outcome = content.module_remove(module=module)
        except content.ContentRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(series_url(module.series))
        if outcome == "archived":
            messages.success(
                request,
                _("“%(title)s” is archived: learners' records in it are kept; nobody sees it.")
                % {"title": module.title},
            )
        else:
            messages.success(request, _("“%(title)s” deleted.") % {"title": module.title})
        return redirect(series_url(module.series))
    return render(
        request,
        "studio/confirm_delete.html",
        {
            "series": module.series,
            "thing": module,
            "kept": content.module_has_records(module),
            "cancel": series_url(module.series),
        },
    )
