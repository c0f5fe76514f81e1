from django import template

from courses.models import Component, Progress
from courses.selectors import Outline

register = template.Library()


@register.simple_tag
def progress_for(outline: Outline, component: Component) -> Progress | None:
    """The learner's progress in a component, from the outline already loaded (no query)."""
    return outline.progress.get(component.pk)
