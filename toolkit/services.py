"""Writes of the toolkit."""

from django.db import transaction

from toolkit.models import Resource

RESOURCE_FIELDS = ("title", "source", "description", "url", "folder", "category")


@transaction.atomic
def resource_upsert(*, slug: str, **fields: str) -> tuple[Resource, bool]:
    """Create the resource with this slug, or update it; validated before it is saved.

    Returns (resource, changed). Saving nothing when nothing differs keeps re-imports idempotent.
    """
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown toolkit resource fields: {', '.join(sorted(unknown))}")
    resource = Resource.objects.select_for_update().filter(slug=slug).first()
    if resource is None:
        resource = Resource(slug=slug)
    elif all(getattr(resource, name) == value for name, value in fields.items()):
        return resource, False
    for name, value in fields.items():
        setattr(resource, name, value)
    resource.full_clean()
    resource.save()
    return resource, True
