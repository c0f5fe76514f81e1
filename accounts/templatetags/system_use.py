from django import template
from django.conf import settings
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def system_use_notice() -> str:
    """The system-use notice shown above the sign-in form (``LMS_SYSTEM_USE_NOTICE``; empty
    for none), in the page's language when it is the default one (the catalogue has it)."""
    notice = str(settings.LMS_SYSTEM_USE_NOTICE or "").strip()
    return gettext(notice) if notice else ""
