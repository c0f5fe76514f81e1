from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def system_use_notice() -> str:
    """The system-use notice shown above the sign-in form (``LMS_SYSTEM_USE_NOTICE``; empty
    for none)."""
    return str(settings.LMS_SYSTEM_USE_NOTICE or "").strip()
