"""Settings come from the environment and refuse an unsafe production start."""

import json
import os
import subprocess
import sys
from pathlib import Path

from joserfc.jwk import OKPKey

ROOT = Path(__file__).resolve().parents[1]
SIGNING_KEY = json.dumps(OKPKey.generate_key("Ed25519").as_dict(private=True))


def _load_settings(**env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "LMS_SIGNING_KEY"}
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="lms.settings.base")
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, "
        "settings.EMAIL_BACKEND)"
    )
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_debug_off_without_a_secret_key_refuses_to_start():
    """DEBUG off and no SECRET_KEY: the settings raise instead of running insecurely."""
    result = _load_settings(DEBUG="false")
    assert result.returncode != 0
    assert "set SECRET_KEY" in result.stderr


def test_debug_off_with_a_short_secret_key_refuses_to_start():
    """A toy key is not a real key."""
    result = _load_settings(DEBUG="false", SECRET_KEY="short")
    assert result.returncode != 0


def test_debug_off_without_a_signing_key_refuses_to_start():
    """DEBUG off and no LMS_SIGNING_KEY: no key made up on the spot for production."""
    result = _load_settings(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "set LMS_SIGNING_KEY" in result.stderr


def test_nothing_set_is_the_embedded_default():
    """No environment: SQLite, eager Celery, console email."""
    result = _load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
    ]


def test_real_services_come_from_the_environment():
    """DATABASE_URL, REDIS_URL and EMAIL_URL switch to PostgreSQL, a real broker and SMTP."""
    result = _load_settings(
        DEBUG="false",
        SECRET_KEY="x" * 50,
        LMS_SIGNING_KEY=SIGNING_KEY,
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/lms",
        REDIS_URL="redis://127.0.0.1:6379/0",
        EMAIL_URL="smtp://127.0.0.1:25",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "False",
        "django.core.mail.backends.smtp.EmailBackend",
    ]
