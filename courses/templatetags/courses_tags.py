from django import template

from courses.models import Component, Progress
from courses.selectors import Outline

register = template.Library()


@register.simple_tag
def progress_for(outline: Outline, component: Component) -> Progress | None:
    """The learner's progress in a component, from the outline already loaded (no query)."""
    return outline.progress.get(component.pk)


@register.filter
def percent_class(value: object) -> str:
    """The CSS class that draws a bar ``value`` percent wide (``pct-0`` to ``pct-100`` in
    lms.css): the Content-Security-Policy refuses inline ``style`` widths."""
    try:
        percent = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        percent = 0
    return f"pct-{max(0, min(100, percent))}"
