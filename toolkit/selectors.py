"""Reads of the toolkit."""

from django.db.models import F, Q, QuerySet

from toolkit.models import Resource


def resources_listed(
    *, query: str = "", folder: str = "", category: str = ""
) -> QuerySet[Resource]:
    """Listed (not retired) resources matching the search words, folder and category."""
    resources = Resource.objects.filter(is_active=True)
    if folder:
        resources = resources.filter(folder=folder)
    if category:
        resources = resources.filter(category=category)
    for word in query.split()[:8]:
        resources = resources.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(source__icontains=word)
        )
    return resources.order_by("folder", "category", "title")


def broken_links() -> QuerySet[Resource]:
    """Listed resources whose link was found broken, the most recently checked first."""
    return Resource.objects.filter(is_active=True, link_status=Resource.LinkStatus.BROKEN).order_by(
        F("link_checked_at").desc(nulls_last=True), "title", "pk"
    )
