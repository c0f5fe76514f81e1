"""The system-use notice above the sign-in form (CJIS: a system-use notification), from
LMS_SYSTEM_USE_NOTICE; empty hides it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
NOTICE_MARK = "data-system-use-notice"


def _login_page() -> str:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_default_notice_is_shown_above_the_sign_in_form():
    """Authorized use only, monitored and recorded: in its own box, before the form's fields."""
    page = _login_page()
    assert NOTICE_MARK in page
    assert "System use notice" in page
    assert "This system is for authorized use only." in page
    assert "monitored and recorded" in page
    assert page.index(NOTICE_MARK) < page.index('name="login"') < page.index('name="password"')


def test_the_notice_text_comes_from_the_setting(settings):
    """An agency's own wording replaces the default, escaped, its line breaks kept."""
    settings.LMS_SYSTEM_USE_NOTICE = "Property of the County.\nUse is logged <and> audited."
    page = _login_page()
    assert "Property of the County.<br>Use is logged &lt;and&gt; audited." in page
    assert "This system is for authorized use only." not in page


@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_notice_hides_the_box(settings, empty):
    """Set to nothing, no box and no heading; the sign-in form is still there."""
    settings.LMS_SYSTEM_USE_NOTICE = empty
    page = _login_page()
    assert NOTICE_MARK not in page
    assert "System use notice" not in page
    assert 'name="password"' in page


def test_the_notice_is_not_on_other_pages(learner):
    """Only the sign-in page shows it."""
    client = Client()
    client.force_login(learner)
    assert NOTICE_MARK not in client.get("/").content.decode()
    assert NOTICE_MARK not in Client().get("/accounts/signup/").content.decode()


def _setting_from(environment: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "LMS_SYSTEM_USE_NOTICE"}
    env.update(environment, DJANGO_SETTINGS_MODULE="lms.settings.base")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(repr(settings.LMS_SYSTEM_USE_NOTICE))"
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_environment_sets_or_empties_the_notice():
    """LMS_SYSTEM_USE_NOTICE from the environment; set but empty means no notice."""
    assert "authorized use only" in _setting_from({})
    assert _setting_from({"LMS_SYSTEM_USE_NOTICE": "County use only."}) == "'County use only.'"
    assert _setting_from({"LMS_SYSTEM_USE_NOTICE": ""}) == "''"
