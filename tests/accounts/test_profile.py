"""The profile: the name as printed on certificates, the officer ID, the preferred language."""

import pytest
from django.test import Client

from certificates.models import Certificate
from tests import factories
from tests.certificates.conftest import finish

pytestmark = pytest.mark.django_db

VALID = {
    "full_name": "Jordan A. Ellis",
    "certificate_name": "Det. Jordan A. Ellis",
    "officer_id": "POST-123456",
    "preferred_language": "es",
}


@pytest.fixture
def client(learner) -> Client:
    client = Client()
    client.force_login(learner)
    return client


def test_the_profile_shows_the_users_own_values(client, learner):
    learner.officer_id = "POST-42"
    learner.save(update_fields=["officer_id"])
    body = client.get("/accounts/profile/").content.decode()
    assert 'value="Jordan Ellis"' in body
    assert 'value="POST-42"' in body


def test_the_navigation_name_links_to_the_profile(client):
    body = client.get("/").content.decode()
    assert '<a class="nav-link" href="/accounts/profile/">Jordan</a>' in body


def test_saving_the_profile(client, learner):
    response = client.post("/accounts/profile/", VALID, follow=True)
    assert response.redirect_chain == [("/accounts/profile/", 302)]
    # Said in the language just chosen (VALID picks Spanish).
    assert "Su perfil está guardado." in response.content.decode()
    learner.refresh_from_db()
    assert (
        learner.full_name,
        learner.certificate_name,
        learner.officer_id,
        learner.preferred_language,
    ) == tuple(VALID.values())
    assert learner.name_for_certificates() == "Det. Jordan A. Ellis"


def test_the_saved_message_is_in_english_when_english_is_chosen(client, learner):
    response = client.post("/accounts/profile/", {**VALID, "preferred_language": "en"}, follow=True)
    assert "Your profile is saved." in response.content.decode()
    assert '<html lang="en">' in response.content.decode()


def test_spaces_are_tidied_and_an_empty_certificate_name_means_the_full_name(client, learner):
    client.post(
        "/accounts/profile/",
        {**VALID, "full_name": "  Jordan   Ellis ", "certificate_name": "   "},
    )
    learner.refresh_from_db()
    assert learner.full_name == "Jordan Ellis"
    assert learner.certificate_name == ""
    assert learner.name_for_certificates() == "Jordan Ellis"


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("full_name", "   ", "Give your full name."),
        ("officer_id", "X" * 51, "Ensure this value has at most 50 characters"),
        ("preferred_language", "klingon", "Select a valid choice."),
    ],
)
def test_bad_input_saves_nothing_and_keeps_what_was_typed(client, learner, field, value, error):
    data = {**VALID, field: value}
    response = client.post("/accounts/profile/", data)
    assert response.status_code == 200
    body = response.content.decode()
    assert error in body
    assert "Your profile is not saved yet" in body
    for name, typed in data.items():
        if name != field and name != "preferred_language":
            assert f'value="{typed}"' in body, name
    learner.refresh_from_db()
    assert learner.full_name == "Jordan Ellis"
    assert learner.certificate_name == ""


def test_a_name_change_never_alters_a_certificate_already_issued(client, learner, series):
    enrollment = finish(learner, series)
    before = Certificate.objects.get(enrollment=enrollment)
    assert before.learner_name == "Jordan Ellis"
    client.post("/accounts/profile/", VALID)
    after = Certificate.objects.get(enrollment=enrollment)
    assert after.learner_name == "Jordan Ellis"
    assert after.code == before.code
    # …and the next certificate carries the new name.
    other = factories.SeriesFactory(slug="second-series", title="Second series")
    module = factories.ModuleFactory(series=other, slug="only", position=1)
    factories.ComponentFactory(module=module, slug="reading", position=1)
    learner.refresh_from_db()
    second = finish(learner, other)
    assert Certificate.objects.get(enrollment=second).learner_name == "Det. Jordan A. Ellis"


def test_the_profile_needs_sign_in():
    response = Client().get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
