"""Studio pages of a series: the list, creating and editing one, its outline and status."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from courses import content
from courses.models import Component, Module, Series, live_modules_q
from studio.forms.content import SeriesForm, StatusForm
from studio.views.common import author_required, get_series, series_url

STATUS_NOW = {
    Series.Status.DRAFT: gettext_lazy("“%(title)s” is now draft."),
    Series.Status.PUBLISHED: gettext_lazy("“%(title)s” is now published."),
    Series.Status.ARCHIVED: gettext_lazy("“%(title)s” is now archived."),
}


@require_GET
@author_required
def index(request: HttpRequest) -> HttpResponse:
    series = Series.objects.annotate(
        module_count=Count("modules", filter=live_modules_q("modules__"), distinct=True),
        learner_count=Count("enrollments__user", distinct=True),
    ).order_by("status", "title")
    return render(request, "studio/index.html", {"series_list": series})


@require_http_methods(["GET", "POST"])
@author_required
def series_new(request: HttpRequest) -> HttpResponse:
    form = SeriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        series = content.series_create(**form.cleaned_data)
        messages.success(
            request, _("“%(title)s” created as a draft: add its modules.") % {"title": series.title}
        )
        return redirect(series_url(series))
    return render(request, "studio/series_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@author_required
def series_edit(request: HttpRequest, series_slug: str) -> HttpResponse:
    series = get_series(series_slug)
    form = SeriesForm(request.POST or None, instance=series)
    if request.method == "POST" and form.is_valid():
        try:
            series = content.series_update(series=series, **form.cleaned_data)
        except content.ContentRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("Series saved."))
            return redirect(series_url(series))
    return render(request, "studio/series_form.html", {"form": form, "series": series})


@require_GET
@author_required
def series_detail(request: HttpRequest, series_slug: str) -> HttpResponse:
    series = get_series(series_slug)
    modules = list(
        series.modules.live()
        .order_by("position")
        .prefetch_related(
            Prefetch(
                "components",
                queryset=Component.objects.unarchived()
                .select_related("resource")
                .annotate(question_count=Count("questions"))
                .order_by("position"),
            ),
            Prefetch(
                "prerequisites",
                queryset=Module.objects.live().order_by("position"),
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
def series_status(request: AuthenticatedHttpRequest, series_slug: str) -> HttpResponse:
    series = get_series(series_slug)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose draft, published or archived."))
        return redirect(series_url(series))
    try:
        content.series_set_status(
            series=series,
            status=form.cleaned_data["status"],
            by=request.user,
            request=request,
        )
    except content.ContentRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, STATUS_NOW[Series.Status(series.status)] % {"title": series.title}
        )
    return redirect(series_url(series))
