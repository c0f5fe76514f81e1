"""The address written into emails and their sender come from the environment, and the demo
server's links follow the port it serves on."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLEARED = {"DEBUG", "SECRET_KEY", "LMS_SIGNING_KEY", "LMS_BASE_URL", "PORT", "HOST"}
CLEARED |= {"DEFAULT_FROM_EMAIL", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"}


def _environment(**env: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in CLEARED}
    environment.update(env)
    return environment


def _settings(*names: str, **env: str) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print(*(getattr(settings, name) for name in {names!r}), sep='\\n')"
    )
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_environment(DJANGO_SETTINGS_MODULE="lms.settings.base", **env),
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8101"}, "http://127.0.0.1:8101"),
        (
            {"PORT": "8101", "LMS_BASE_URL": "https://training.example.gov"},
            "https://training.example.gov",
        ),
        ({"PORT": "", "LMS_BASE_URL": ""}, "http://127.0.0.1:8000"),
    ],
)
def test_the_base_url_follows_the_port_unless_it_is_set(env, expected):
    """Links in emails point at the port served on; LMS_BASE_URL, when set, wins."""
    result = _settings("LMS_BASE_URL", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize("port", ["http", "0", "70000", "80 80"])
def test_a_port_that_is_no_port_refuses_to_start(port):
    """A mistyped PORT is named at start-up, not written into every link."""
    result = _settings("LMS_BASE_URL", PORT=port)
    assert result.returncode != 0
    assert "PORT must be a TCP port number" in result.stderr


def test_the_sender_is_a_setting_with_a_product_default():
    """DEFAULT_FROM_EMAIL: the product's name and training@localhost unless the deployment sets
    its own address."""
    assert _settings("DEFAULT_FROM_EMAIL").stdout.strip() == "Training Tracker <training@localhost>"
    ours = "Anytown PD Training <training@anytown.gov>"
    assert _settings("DEFAULT_FROM_EMAIL", DEFAULT_FROM_EMAIL=ours).stdout.strip() == ours


REPORT = (
    "import django, sys; django.setup(); from django.conf import settings; "
    "print(settings.LMS_BASE_URL, sys.argv[1])"
)
FAKE_PYTHON = textwrap.dedent(
    """\
    #!/usr/bin/env bash
    # Stands in for the virtualenv's python: every step succeeds; runserver reports what the
    # real settings make of the environment the script built, and the address it serves.
    if [ "$1 $2" = "manage.py runserver" ]; then
      exec "{python}" -c "$REPORT" "$3"
    fi
    """
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000 127.0.0.1:8000"),
        ({"PORT": "8101"}, "http://127.0.0.1:8101 127.0.0.1:8101"),
        ({"PORT": "8101", "HOST": "localhost"}, "http://localhost:8101 localhost:8101"),
        ({"PORT": "8101", "HOST": "0.0.0.0"}, "http://127.0.0.1:8101 0.0.0.0:8101"),  # noqa: S104
        (
            {"PORT": "8101", "LMS_BASE_URL": "https://training.example.gov"},
            "https://training.example.gov 127.0.0.1:8101",
        ),
    ],
)
def test_run_demo_writes_the_port_it_serves_on_into_email_links(tmp_path, env, expected):
    """`PORT=8101 make run` serves on 8101 and its emails link to 8101, not 8000."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    fake = venv / "bin" / "python"
    fake.write_text(FAKE_PYTHON.format(python=sys.executable))
    fake.chmod(0o755)
    result = subprocess.run(  # noqa: S603 (the project's own script)
        [str(ROOT / "scripts" / "run-demo")],
        env=_environment(
            VENV=str(venv),
            REPORT=REPORT,
            DJANGO_SETTINGS_MODULE="lms.settings.base",
            SECRET_KEY="x" * 50,
            LMS_SIGNING_KEY=str(tmp_path / "unused.jwk"),
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == expected
