"""The README's screenshots: the learner's home, a series page, the supervisor's dashboard and the
studio, on the demo data, at 1280 px and at 375 px (a phone).

Every run takes them (into the test's own folder) and checks that each is a picture of the page
it names, at its width, and that the README shows each one. To refresh the README's copies:

    LMS_README_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_readme_screenshots.py

which writes them to docs/screenshots/.
"""

import io
import os
import re
import struct
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import REPO_ROOT
from tests.browser.test_learner_path import DEMO_PASSWORD, _sign_in

pytestmark = pytest.mark.browser

FOLDER = REPO_ROOT / "docs" / "screenshots"
SERIES = "/series/working-with-victims-and-survivors-of-csam/"
# (file name, account, URL, the page's main heading)
SHOTS = [
    ("learner-home", "learner@example.com", "/", re.compile("^My training$")),
    ("series", "learner@example.com", SERIES, re.compile("Working with Victims and Survivors")),
    ("supervisor-dashboard", "supervisor@example.com", "/agency/", re.compile("Demo Police")),
    ("studio", "author@example.com", "/studio/", re.compile("^Series$")),
]
WIDTHS = {"1280": {"width": 1280, "height": 900}, "375": {"width": 375, "height": 812}}


def _png_width(path: Path) -> int:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">I", data[16:20])[0]


@pytest.fixture
def demo(monkeypatch, settings):
    settings.LMS_REQUIRE_MFA = False  # the embedded demo's setting
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", stdout=io.StringIO())


def test_the_readme_shows_each_page_at_both_widths(demo, page, tmp_path):
    folder = FOLDER if os.environ.get("LMS_README_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    readme = (REPO_ROOT / "README.md").read_text()
    signed_in = None
    for name, account, url, heading in SHOTS:
        if account != signed_in:
            page.context.clear_cookies()
            page.set_viewport_size(WIDTHS["1280"])
            _sign_in(page, account, DEMO_PASSWORD)
            signed_in = account
        for width, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            page.goto(url)
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
            path = folder / f"{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True, animations="disabled")
            assert _png_width(path) == viewport["width"]
            assert f"docs/screenshots/{path.name}" in readme, f"the README shows {path.name}"
            committed = FOLDER / path.name
            assert committed.exists() and _png_width(committed) == viewport["width"], committed
