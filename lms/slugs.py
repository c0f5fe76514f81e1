"""Slugs made from titles, for the studio's content and the toolkit alike."""

from django.db.models import QuerySet
from django.utils.text import slugify

from courses.models import RESERVED_SLUGS


def unique_slug(text: str, taken: QuerySet, *, field: str = "slug", fallback: str = "item") -> str:
    """A slug from ``text`` that no row of ``taken`` uses (and no action URL needs)."""
    base = (slugify(text) or fallback)[:70].strip("-") or fallback
    existing = set(taken.filter(**{f"{field}__startswith": base}).values_list(field, flat=True))
    slug, n = base, 2
    while slug in existing or slug in RESERVED_SLUGS:
        slug, n = f"{base}-{n}", n + 1
    return slug
