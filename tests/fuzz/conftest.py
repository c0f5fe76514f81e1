"""One world for the whole fuzz package: ``seed_demo``, the URL matrix's additions and the fuzz
series, loaded once and rolled back at the end; each test runs in its own transaction on top,
and each example in a savepoint inside that."""

from __future__ import annotations

import io
import logging
import os
from collections import Counter
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from tests.fuzz import world as fuzz_world_module
from tests.fuzz.harness import TALLY
from tests.test_url_matrix import DEMO_PASSWORD


@pytest.fixture(scope="package")
def fuzz_world(
    django_db_setup, django_db_blocker, tmp_path_factory
) -> Iterator[fuzz_world_module.FuzzWorld]:
    media = tmp_path_factory.mktemp("fuzz-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        pytest.MonkeyPatch.context() as patch,
        transaction.atomic(),
    ):
        patch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
        call_command("seed_demo", stdout=io.StringIO())
        yield fuzz_world_module.build()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    settings.LMS_REQUIRE_MFA = False


@pytest.fixture(autouse=True)
def _quiet_refusals():
    """Thousands of 4xx answers are the point here: log only server errors."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Examples per target, how many were accepted, and the statuses answered."""
    if not TALLY.examples:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fuzz: examples per target")
    total = sum(TALLY.examples.values())
    fives = 0
    for key in sorted(TALLY.examples):
        statuses = TALLY.statuses[key]
        fives += statuses.get(500, 0)
        shown = " ".join(f"{s // 100}xx:{n}" for s, n in sorted(statuses.items()))
        write(
            f"{key:48} {TALLY.examples[key]:4} examples {TALLY.accepted[key]:4} accepted "
            f"{TALLY.saved[key]:4} saved  {shown}"
        )
        if os.environ.get("LMS_FUZZ_VERBOSE"):
            for reason, count in TALLY.refusals.get(key, Counter()).most_common(4):
                write(f"    {count:4} refused: {reason}")
    write(f"total: {total} examples, {fives} answered 5xx")
    if path := os.environ.get("LMS_FUZZ_REPORT"):
        with open(path, "w") as report:
            for key in sorted(TALLY.examples):
                report.write(
                    f"{key}\t{TALLY.examples[key]}\t{TALLY.accepted[key]}\t{TALLY.saved[key]}\n"
                )
            report.write(f"total\t{total}\t{fives}\n")
