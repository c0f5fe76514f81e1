from itertools import groupby

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from toolkit.forms import ToolkitSearchForm
from toolkit.models import Resource
from toolkit.selectors import resources_listed


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = ToolkitSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    resources = list(
        resources_listed(
            query=filters.get("q", ""),
            folder=filters.get("folder", ""),
            category=filters.get("category", ""),
        )
    )
    folder_labels = dict(Resource.Folder.choices)
    category_labels = dict(Resource.Category.choices)
    folders = [
        {
            "label": folder_labels[folder],
            "categories": [
                {"label": category_labels[category], "resources": list(items)}
                for category, items in groupby(group, key=lambda r: r.category)
            ],
        }
        for folder, group in groupby(resources, key=lambda r: r.folder)
    ]
    return render(
        request,
        "toolkit/index.html",
        {"form": form, "folders": folders, "count": len(resources), "searched": bool(filters)},
    )


@login_not_required
@require_GET
def wellness(request: HttpRequest) -> HttpResponse:
    """Wellness and secondary-trauma support, open to everyone: the footer links here from
    every page, signed in or not. It shows the toolkit's survivor-care resources (public
    documents) and nothing about whoever is asking."""
    resources = sorted(
        resources_listed(category=Resource.Category.SURVIVOR_CARE),
        # NCMEC's "Coping with CSAM Exposure" first: it speaks to exposure itself.
        key=lambda r: r.slug != settings.LMS_WELLNESS_RESOURCE_SLUG,
    )
    return render(request, "toolkit/wellness.html", {"resources": resources})
