"""Nothing inline for the Content-Security-Policy to refuse: no style attribute, <style> or inline
<script> in a served template; the progress bars, the 500 page, htmx and Django admin's change
list keep working without them."""

import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from accounts.models import User
from courses.templatetags.courses_tags import percent_class
from lms.views import server_error
from tests import factories

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
# Not served as pages: emails (mail clients need inline styles) and the PDFs WeasyPrint lays out.
NOT_SERVED = {
    TEMPLATES / "emails",
    TEMPLATES / "account" / "email",  # allauth's emails, in the product's words
    TEMPLATES / "certificates" / "certificate_pdf.html",
    TEMPLATES / "certificates" / "transcript_pdf.html",
}
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*["']""", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)
SCRIPT_ELEMENT = re.compile(r"<script(?P<attrs>[^>]*)>", re.I)
EVENT_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
CSS = (ROOT / "static" / "css" / "lms.css").read_text()


def _served_templates() -> list[Path]:
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not any(path == skip or skip in path.parents for skip in NOT_SERVED)
    ]


def _inline_code(text: str) -> list[str]:
    found = [m.group(0) for m in STYLE_ATTRIBUTE.finditer(text)]
    found += [m.group(0) for m in STYLE_ELEMENT.finditer(text)]
    found += [m.group(0) for m in EVENT_HANDLER.finditer(text)]
    for match in SCRIPT_ELEMENT.finditer(text):
        attrs = match.group("attrs")
        # A script from a file, or a data block the browser never runs (allauth's JSON).
        if "src=" not in attrs and "application/json" not in attrs:
            found.append(match.group(0))
    return found


def test_the_scan_finds_inline_code():
    """The checks below would see each kind of inline code."""
    sample = (
        '<div style="width: 5%"></div><style>p{}</style><script>alert(1)</script>'
        '<a href="#" onclick="go()">x</a><script src="/static/x.js"></script>'
        '<script type="application/json">{}</script>'
    )
    assert len(_inline_code(sample)) == 4


@pytest.mark.parametrize("path", _served_templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_served_templates_have_no_inline_style_or_script(path: Path):
    """Every page's template loads its scripts and styles from static files."""
    assert _inline_code(path.read_text()) == []


@pytest.mark.parametrize("percent", [0, 1, 37, 99, 100])
def test_progress_bar_width_is_a_class_and_its_aria_value_is_the_percent(percent: int):
    """The bar is drawn by its pct-N class, and announced with the same value."""
    html = render_to_string(
        "courses/partials/progress_bar.html", {"percent": percent, "label": "Series progress"}
    )
    assert 'role="progressbar"' in html
    assert 'aria-label="Series progress"' in html
    assert f'aria-valuenow="{percent}"' in html
    assert 'aria-valuemin="0" aria-valuemax="100"' in html
    assert f"progress-bar pct-{percent} " in html
    assert "style=" not in html


def test_every_percent_has_its_width_class():
    """lms.css draws pct-0 to pct-100, each N percent wide."""
    for percent in range(101):
        assert f".pct-{percent} {{ width: {percent}%; }}" in CSS


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "pct-0"), ("", "pct-0"), (-5, "pct-0"), (250, "pct-100"), ("42", "pct-42")],
)
def test_percent_class_stays_within_the_drawn_classes(value, expected):
    """Anything not a whole percent from 0 to 100 is drawn as the nearest one that exists."""
    assert percent_class(value) == expected


def test_the_500_page_has_no_inline_style():
    """The friendly error page is styled from lms.css."""
    request = RequestFactory().get("/")
    html = server_error(request).content.decode()
    assert 'class="error-page"' in html and "css/lms.css" in html
    assert _inline_code(html) == []


@pytest.mark.django_db
def test_studio_series_page_turns_off_htmx_inline_styles(series):
    """htmx would inject its indicator styles: the page's htmx-config turns that off (and
    eval), before htmx loads."""
    client = Client()
    client.force_login(factories.author())
    html = client.get(f"/studio/series/{series.slug}/").content.decode()
    config = (
        '<meta name="htmx-config" '
        'content=\'{"includeIndicatorStyles": false, "allowEval": false}\'>'
    )
    assert config in html
    assert html.index(config) < html.index("htmx.min.js")


@pytest.mark.django_db
def test_admin_change_list_without_actions_has_no_inline_style(monkeypatch):
    """Django's change list adds a style element when a model admin shows no actions; ours loads the
    same rule from a file."""
    staff = User.objects.create_superuser(email="root@example.org", password="x" * 16)
    model_admin = admin.site.get_model_admin(User)
    monkeypatch.setattr(model_admin, "actions_on_top", False)
    monkeypatch.setattr(model_admin, "actions_on_bottom", False)
    client = Client()
    client.force_login(staff)
    html = client.get("/admin/accounts/user/").content.decode()
    assert "css/admin-changelist-no-actions.css" in html
    assert "admin/css/changelists.css" in html
    assert _inline_code(html) == []
