"""PDF documents drawn from Django templates with WeasyPrint (certificates, transcripts)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """The template rendered to HTML, then laid out as a PDF. Static files (fonts, images) are
    read from the project's static folders, never fetched over the network."""
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR / "static")).write_pdf()
