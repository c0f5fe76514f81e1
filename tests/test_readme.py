"""The README stands alone: a fresh clone has nothing beside it to point to."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
OUTSIDE = re.compile(r"\.\./|DESIGN\.md|STYLE\.md|\bshared/", re.I)


def test_the_readme_points_to_nothing_outside_the_repository():
    """No ../shared/DESIGN.md or any other path above the clone."""
    text = README.read_text()
    found = [line for line in text.splitlines() if OUTSIDE.search(line)]
    assert found == []


def test_the_readme_states_the_contracts_a_user_needs():
    """Roles, demo accounts, URLs, commands and CSV columns are written in the README itself."""
    text = README.read_text()
    for contract in [
        "| learner |",
        "| supervisor |",
        "| author |",
        "`learner@example.com`",
        "`supervisor@example.com`",
        "`supervisor2@example.com`",
        "`author@example.com`",
        "`/agency/learners/<id>/`",
        "`/certificates/verify/<code>/`",
        "`/.well-known/jwks.json`",
        "`/healthz`",
        "`send_reminders",
        "`seed_scale --learners N",
        "agency, learner_name, learner_email, series, status",
        "agency, learner_name, learner_email, officer_id, credit_type, hours",
        "series, provider, cycle, completed_on, credit_type, hours, certificate_code",
        "`LMS_BASE_URL`",
        "`DEFAULT_FROM_EMAIL`",
    ]:
        assert contract in text, contract
