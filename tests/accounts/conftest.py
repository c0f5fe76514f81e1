import pytest

from tests import factories


@pytest.fixture
def supervisor(agency):
    return factories.supervisor_of(agency, email="supervisor@example.org", full_name="Sam Reyes")


@pytest.fixture
def author(db):
    return factories.author(email="author@example.org", full_name="Alex Author")


@pytest.fixture
def staff(db):
    return factories.UserFactory(
        email="admin@example.org", full_name="Site Administrator", is_staff=True, is_superuser=True
    )
