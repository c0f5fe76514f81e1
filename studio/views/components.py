"""Studio pages of a component: choosing its kind, adding, editing, ordering and removing one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from courses import content
from courses.models import Component
from studio.forms.content import ComponentForm, MoveForm
from studio.views.common import author_required, get_component, get_module, reordered, series_url

KIND_HINTS = {
    Component.Kind.VIDEO: gettext_lazy(
        "A WebM or MP4 file with its captions or transcript; complete when enough of it has "
        "been watched."
    ),
    Component.Kind.DOCUMENT: gettext_lazy("A reading; complete when the learner marks it read."),
    Component.Kind.RESOURCE: gettext_lazy("A link to a toolkit resource; complete when opened."),
    Component.Kind.QUIZ: gettext_lazy("Choice questions with a pass mark; complete on passing."),
    Component.Kind.SURVEY: gettext_lazy(
        "Agreement, choice and free-text questions, anonymous if you wish."
    ),
    Component.Kind.CERTIFICATE: gettext_lazy(
        "Marks where the series' certificate is issued; never required."
    ),
}
# One sentence per kind (the kind's word is not pasted into a sentence: its gender and form
# change with the language).
NEW_HEADINGS = {
    Component.Kind.VIDEO: gettext_lazy("New video"),
    Component.Kind.DOCUMENT: gettext_lazy("New document"),
    Component.Kind.RESOURCE: gettext_lazy("New toolkit resource"),
    Component.Kind.QUIZ: gettext_lazy("New quiz"),
    Component.Kind.SURVEY: gettext_lazy("New survey / evaluation"),
    Component.Kind.CERTIFICATE: gettext_lazy("New certificate"),
}
EDIT_HEADINGS = {
    Component.Kind.VIDEO: gettext_lazy("Edit video: %(title)s"),
    Component.Kind.DOCUMENT: gettext_lazy("Edit document: %(title)s"),
    Component.Kind.RESOURCE: gettext_lazy("Edit toolkit resource: %(title)s"),
    Component.Kind.QUIZ: gettext_lazy("Edit quiz: %(title)s"),
    Component.Kind.SURVEY: gettext_lazy("Edit survey / evaluation: %(title)s"),
    Component.Kind.CERTIFICATE: gettext_lazy("Edit certificate: %(title)s"),
}
ADDED = {
    Component.Kind.VIDEO: gettext_lazy("Video “%(title)s” added."),
    Component.Kind.DOCUMENT: gettext_lazy("Document “%(title)s” added."),
    Component.Kind.RESOURCE: gettext_lazy("Toolkit resource “%(title)s” added."),
    Component.Kind.QUIZ: gettext_lazy("Quiz “%(title)s” added."),
    Component.Kind.SURVEY: gettext_lazy("Survey / evaluation “%(title)s” added."),
    Component.Kind.CERTIFICATE: gettext_lazy("Certificate “%(title)s” added."),
}


def _field(form: ComponentForm, name: str) -> str | None:
    """Where the form shows a refusal: under the field named, if it has one, else on top."""
    return name if name in form.fields else None


@require_http_methods(["GET", "POST"])
@author_required
def component_new(request: HttpRequest, module_id: int) -> HttpResponse:
    module = get_module(module_id)
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    if kind not in Component.Kind.values:
        return render(
            request,
            "studio/component_kind.html",
            {
                "series": module.series,
                "module": module,
                "kinds": [
                    (k, label, KIND_HINTS[Component.Kind(k)]) for k, label in Component.Kind.choices
                ],
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
        except content.CaptionsRequired as refusal:
            form.add_error(_field(form, refusal.field), str(refusal))
        except content.ContentRefused as refusal:
            form.add_error(_field(form, "required"), str(refusal))
        else:
            messages.success(request, ADDED[Component.Kind(kind)] % {"title": component.title})
            if kind in (Component.Kind.QUIZ, Component.Kind.SURVEY):
                return redirect("studio:questions", component_id=component.pk)
            return redirect(f"{series_url(module.series)}#component-{component.pk}")
    if form.is_bound:
        form.keep_captions()
    return render(
        request,
        "studio/component_form.html",
        {"form": form, "series": module.series, "module": module, "kind": kind,
         "kind_label": Component.Kind(kind).label,
         "heading": NEW_HEADINGS[Component.Kind(kind)]},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
@author_required
def component_edit(request: HttpRequest, component_id: int) -> HttpResponse:
    component = get_component(component_id)
    module = component.module
    form = ComponentForm(
        request.POST or None, request.FILES or None, kind=component.kind, instance=component
    )
    if request.method == "POST" and form.is_valid():
        try:
            content.component_update(component=component, **form.data_for_service())
        except content.CaptionsRequired as refusal:
            form.add_error(_field(form, refusal.field), str(refusal))
        except content.ContentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Component saved."))
            return redirect(f"{series_url(module.series)}#component-{component.pk}")
    if form.is_bound:
        form.keep_captions()
    return render(
        request,
        "studio/component_form.html",
        {"form": form, "series": module.series, "module": module, "component": component,
         "kind": component.kind, "kind_label": component.get_kind_display(),
         "heading": EDIT_HEADINGS[Component.Kind(component.kind)] % {"title": component.title}},
    )  # fmt: skip


@require_POST
@author_required
def components_reorder(request: HttpRequest, module_id: int) -> HttpResponse:
    module = get_module(module_id)
    return reordered(
        request,
        lambda ids: content.components_reorder(module=module, ordered_ids=ids),
        f"{series_url(module.series)}#module-{module.pk}",
    )


@require_POST
@author_required
def component_move(request: HttpRequest, component_id: int) -> HttpResponse:
    component = get_component(component_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            content.component_move(component=component, direction=form.cleaned_data["direction"])
        except content.ContentRefused as refusal:
            messages.error(request, str(refusal))
    return redirect(f"{series_url(component.module.series)}#component-{component.pk}")


@require_http_methods(["GET", "POST"])
@author_required
def component_delete(request: HttpRequest, component_id: int) -> HttpResponse:
    component = get_component(component_id)
    series = component.module.series
    if request.method == "POST":
        try:
            outcome = content.component_remove(component=component)
        except content.ContentRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(f"{series_url(series)}#module-{component.module_id}")
        if outcome == "archived":
            messages.success(
                request,
                _("“%(title)s” is archived: learners' records are kept; nobody sees it.")
                % {"title": component.title},
            )
        else:
            messages.success(request, _("“%(title)s” deleted.") % {"title": component.title})
        return redirect(f"{series_url(series)}#module-{component.module_id}")
    return render(
        request,
        "studio/confirm_delete.html",
        {
            "series": series,
            "thing": component,
            "kept": content.component_has_records(component),
            "cancel": series_url(series),
        },
    )
