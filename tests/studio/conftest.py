import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    settings.LMS_REQUIRE_MFA = False


@pytest.fixture
def author(db):
    return factories.author(email="author@example.org", full_name="Alex Morgan")


@pytest.fixture
def author_client(client, author):
    client.force_login(author)
    return client
