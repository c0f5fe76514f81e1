"""``{% url %}`` for every template, with what it reverses remembered.

Django's ``reverse()`` takes about 57 µs here (its resolver walks every pattern of the site's
URL configuration), and the base template alone asks for fifteen URLs: a millisecond a page for
the same answers. This library replaces the built-in tag (``TEMPLATES["OPTIONS"]["builtins"]``):
it parses as Django's does and reverses once per view name, arguments, current application, URL
configuration and script prefix, keeping the most recent answers. An argument that is not a
plain string or number, and a name that does not reverse, go through Django's own tag.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.template import Library, Node
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = Library()

_PLAIN = (str, int)


def reverse_remembered(
    view_name: str,
    *,
    args: tuple = (),
    kwargs: dict | None = None,
    current_app: str | None = None,
) -> str:
    """``reverse()``, its answer remembered for the URL configuration and script prefix in
    force. For links many pages or messages share; the arguments must be plain values."""
    return _reversed(
        get_urlconf(),
        settings.ROOT_URLCONF,
        get_script_prefix(),
        view_name,
        tuple(args),
        tuple(sorted((kwargs or {}).items())),
        current_app,
    )


@functools.lru_cache(maxsize=2048)
def _reversed(
    urlconf: str | None,
    root: str,
    prefix: str,
    view_name: str,
    args: tuple,
    kwargs: tuple,
    current_app: str | None,
) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


class CachedURLNode(URLNode):
    def render(self, context) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        values = (view_name, *args, *kwargs.values())
        if not all(isinstance(value, _PLAIN) for value in values):
            return super().render(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        try:
            url = reverse_remembered(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except Exception:
            return super().render(context)  # Django's own answer: NoReverseMatch, or "" "as var"
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token) -> Node:
    """Django's ``{% url %}``, parsed by Django, reversed through ``reverse_remembered``."""
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
