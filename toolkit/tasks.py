"""Thin tasks: the daily link check hands each listed resource to its own task."""

from celery import shared_task

from toolkit import selectors, services
from toolkit.models import Resource


@shared_task(ignore_result=True)
def check_links() -> int:
    """The beat's job: one task per listed resource, so a slow server holds up only its own."""
    resource_ids = list(selectors.resources_listed().values_list("pk", flat=True))
    for pk in resource_ids:
        check_link.delay_on_commit(pk)
    return len(resource_ids)


@shared_task(ignore_result=True)
def check_link(resource_id: int) -> str | None:
    """Check one resource's link; one retired or deleted since it was queued is skipped."""
    try:
        return services.resource_link_check(resource_id=resource_id).status
    except Resource.DoesNotExist:
        return None
