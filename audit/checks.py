from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from audit.services import RETENTION_FLOOR_DAYS


@register()
def retention_at_least_a_year(**kwargs: Any) -> list[Error]:
    days = settings.LMS_AUDIT_RETENTION_DAYS
    if days < RETENTION_FLOOR_DAYS:
        return [
            Error(
                f"LMS_AUDIT_RETENTION_DAYS is {days}: audit records are kept at least "
                f"{RETENTION_FLOOR_DAYS} days.",
                id="audit.E001",
            )
        ]
    return []
