"""Writes of the toolkit."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lms.slugs import unique_slug
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
    final_url_length = Resource._meta.get_field("link_final_url").max_length or 0
    Resource.objects.filter(pk=resource_id, url=url).update(
        link_status=result.status,
        link_http_status=result.http_status,
        # A URL too long to keep whole is better left out than cut into a wrong one.
        link_final_url=result.final_url if len(result.final_url) <= final_url_length else "",
        link_error=result.error,
        link_checked_at=timezone.now(),
    )
    return result


# --- Authors' writes (the studio) ---------------------------------------------------------------

LINK_FIELDS_UNCHECKED = {
    "link_status": Resource.LinkStatus.UNCHECKED,
    "link_http_status": None,
    "link_final_url": "",
    "link_error": "",
    "link_checked_at": None,
}


def _queue_link_check(resource_id: int) -> None:
    """Check the link once the change is committed (never from inside the transaction)."""
    from toolkit.tasks import check_link  # the tasks module imports this one

    check_link.delay_on_commit(resource_id)


def _unknown_fields(fields: dict[str, str]) -> None:
    unknown = set(fields) - set(RESOURCE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown toolkit resource fields: {', '.join(sorted(unknown))}")


@transaction.atomic
def resource_create(
    *,
    title: str,
    url: str,
    folder: str,
    category: str,
    source: str = "",
    description: str = "",
    slug: str = "",
) -> Resource:
    """A new listed resource, its link not checked yet; the check is queued after commit.

    The slug comes from the title when none is given, and is unique. Invalid input raises
    ValidationError naming the fields, and nothing is saved.
    """
    slug = slug or unique_slug(title, Resource.objects.all(), fallback="resource")
    resource = Resource(
        slug=slug,
        title=title,
        url=url,
        folder=folder,
        category=category,
        source=source,
        description=description,
    )
    resource.full_clean()
    resource.save()
    _queue_link_check(resource.pk)
    return resource


@transaction.atomic
def resource_update(*, resource: Resource, **fields: str) -> Resource:
    """Change an author's fields of the resource (its slug stays: imports name it by slug).

    A new URL makes the link unchecked again (status, HTTP status, final URL, error and time
    cleared) and queues its check after commit. Only the fields given (and the link fields when
    the URL changed) are written, so a check that finished meanwhile is not undone. Invalid
    input raises ValidationError naming the fields, and nothing is saved.
    """
    _unknown_fields(fields)
    # Compared with the stored row, locked: a bound form may have changed the instance already.
    stored_url = (
        Resource.objects.select_for_update().values_list("url", flat=True).get(pk=resource.pk)
    )
    for name, value in fields.items():
        setattr(resource, name, value)
    url_changed = resource.url != stored_url
    if url_changed:
        for field, unchecked in LINK_FIELDS_UNCHECKED.items():
            setattr(resource, field, unchecked)
    resource.full_clean()
    update_fields = [*fields, "updated_at"]
    if url_changed:
        update_fields += list(LINK_FIELDS_UNCHECKED)
    resource.save(update_fields=update_fields)
    if url_changed:
        _queue_link_check(resource.pk)
    return resource


@transaction.atomic
def resource_set_active(*, resource: Resource, is_active: bool) -> Resource:
    """Retire (hide from the toolkit page) or restore a resource. Idempotent.

    Components that point at a retired resource keep working. Retired resources are not
    checked daily, so a restored one gets its link checked after commit.
    """
    was_active = (
        Resource.objects.select_for_update().values_list("is_active", flat=True).get(pk=resource.pk)
    )
    resource.is_active = is_active
    if was_active != is_active:
        Resource.objects.filter(pk=resource.pk).update(
            is_active=is_active, updated_at=timezone.now()
        )
        if is_active:
            _queue_link_check(resource.pk)
    return resource
