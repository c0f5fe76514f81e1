"""Writes of the toolkit."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from toolkit import linkcheck
from toolkit.linkcheck import LinkResult
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


def resource_link_check(*, resource_id: int) -> LinkResult:
    """Check a listed resource's URL and record the outcome; raises Resource.DoesNotExist for a
    retired or deleted one.

    The outcome is written with one UPDATE of the link fields alone, so an author's edit saved
    while the check waited on the network is kept. It is written only if the URL is still the
    one checked: an author who changed it meanwhile gets the new URL checked on the next run.
    Deliberately not atomic: no transaction is held open while a server takes its time.
    """
    url = Resource.objects.filter(is_active=True).values_list("url", flat=True).get(pk=resource_id)
    result = linkcheck.check_url(url, timeout=settings.LMS_LINK_CHECK_TIMEOUT_SECONDS)
    final_url_length = Resource._meta.get_field("link_final_url").max_length
    Resource.objects.filter(pk=resource_id, url=url).update(
        link_status=result.status,
        link_http_status=result.http_status,
        # A URL too long to keep whole is better left out than cut into a wrong one.
        link_final_url=result.final_url if len(result.final_url) <= final_url_length else "",
        link_error=result.error,
        link_checked_at=timezone.now(),
    )
    return result
