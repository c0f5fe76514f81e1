"""Reads of the toolkit."""

from django.db.models import Q, QuerySet

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
