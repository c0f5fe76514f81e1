"""Production settings pass Django's deployment checklist with no warning, and send HSTS for a
year (preload only when the deployment asks)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from joserfc.jwk import OKPKey

ROOT = Path(__file__).resolve().parents[1]
HOST = "training.example.gov"
# What a deployment sets (README, "Run it on real services"); the check connects to nothing.
DEPLOYMENT = {
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "LMS_SIGNING_KEY": json.dumps(OKPKey.generate_key("Ed25519").as_dict(private=True)),
    "ALLOWED_HOSTS": HOST,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/lms",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp://127.0.0.1:25",
}
# Nothing of the test run's own environment may decide the outcome.
CLEARED = {
    *DEPLOYMENT,
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
}


def _run(args: list[str], **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(DEPLOYMENT, **extra)
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _check_deploy(**extra: str) -> subprocess.CompletedProcess:
    return _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **extra)


def test_check_deploy_is_clean_under_production_settings():
    """`manage.py check --deploy --fail-level WARNING`: exit 0, no warning, no error."""
    result = _check_deploy()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in output and "ERROR" not in output and "security.W" not in output


def test_check_deploy_is_clean_with_preload_on_and_silences_nothing():
    """With SECURE_HSTS_PRELOAD=true the check passes without silencing its warning."""
    result = _check_deploy(SECURE_HSTS_PRELOAD="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(0 silenced)" in result.stdout


def test_check_deploy_still_fails_on_a_real_warning():
    """The command does fail on a warning: HSTS turned off is one (security.W004)."""
    result = _check_deploy(SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stdout + result.stderr


def _hsts(**extra: str) -> str:
    code = (
        "import django; django.setup(); from django.test import Client; "
        f"r = Client().get('/series/', secure=True, headers={{'host': '{HOST}'}}); "
        "print(r.status_code, r.get('Strict-Transport-Security', 'none'))"
    )
    result = _run(["-c", code], **extra)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_hsts_lasts_a_year_with_subdomains_and_preload_only_on_request():
    """Strict-Transport-Security: a year, subdomains included; preload when set."""
    assert _hsts() == "302 max-age=31536000; includeSubDomains"
    assert _hsts(SECURE_HSTS_PRELOAD="true") == "302 max-age=31536000; includeSubDomains; preload"
