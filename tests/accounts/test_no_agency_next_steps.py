"""A learner whose email domain no agency has registered is told what to do next."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from accounts.middleware import SESSION_KEY
from accounts.models import AgencyDomain, Membership
from tests import factories
from tests.accounts.test_signup import _confirm, _sign_in, _sign_up

pytestmark = pytest.mark.django_db

NEXT_STEPS = "You are not part of an agency yet"


@pytest.fixture
def loner(db):
    return factories.UserFactory(email="dana@smalltown.example.net", full_name="Dana Reyes")


@pytest.fixture
def loner_client(client, loner):
    client.force_login(loner)
    return client


def test_learner_without_agency_sees_next_steps(loner_client):
    """The home page names the unregistered domain, whom to ask and what they can still do."""
    page = loner_client.get("/").content.decode()
    assert NEXT_STEPS in page
    assert "@smalltown.example.net" in page
    assert "Ask your supervisor or training coordinator" in page
    assert 'href="/series/"' in page and 'href="/toolkit/"' in page
    assert "Check again" in page


def test_learner_of_an_agency_sees_no_such_notice(learner_client):
    """A member's home page has no notice (and pays no query for it)."""
    assert NEXT_STEPS not in learner_client.get("/").content.decode()


def test_member_without_the_sessions_zone_still_sees_no_notice(client, learner):
    """Should the session not remember the zone, membership is asked for and found."""
    client.force_login(learner)
    session = client.session
    session.pop(SESSION_KEY, None)
    session.save()
    assert NEXT_STEPS not in client.get("/").content.decode()


def test_authors_and_staff_are_not_told_to_find_an_agency(client):
    """Authors and staff need no agency."""
    for user in (factories.author(email="a@example.org"), factories.UserFactory(is_staff=True)):
        client.force_login(user)
        assert NEXT_STEPS not in client.get("/").content.decode()


def test_sign_up_on_an_unregistered_domain_leads_to_the_next_steps(settings):
    """Sign up, follow the emailed link, sign in: the first page says what to do next."""
    settings.LMS_REQUIRE_MFA = False
    email = "new.officer@unregistered.example.net"
    browser = Client()
    assert _sign_up(browser, email).status_code == 302
    _confirm(email)
    assert _sign_in(browser, email).status_code == 302
    page = browser.get("/").content.decode()
    assert NEXT_STEPS in page
    assert "@unregistered.example.net" in page


def test_check_again_joins_once_the_domain_is_registered(loner_client, loner, agency):
    """“Check again” says nothing changed until the agency registers the domain, then joins."""
    response = loner_client.post("/accounts/agency/join/", follow=True)
    assert "No agency has registered @smalltown.example.net yet" in response.content.decode()
    assert not Membership.objects.filter(user=loner).exists()
    AgencyDomain.objects.create(agency=agency, domain="smalltown.example.net", verified=True)
    response = loner_client.post("/accounts/agency/join/", follow=True)
    page = response.content.decode()
    assert f"You are now a learner of {agency.name}" in page
    assert NEXT_STEPS not in page
    membership = Membership.objects.get(user=loner)
    assert membership.agency == agency and membership.role == Membership.Role.LEARNER
    assert loner_client.session[SESSION_KEY] == agency.timezone


def test_check_again_never_joins_an_unverified_domain_or_address(loner_client, loner, agency):
    """An unverified agency domain, or an unverified address, joins nothing."""
    AgencyDomain.objects.create(agency=agency, domain="smalltown.example.net", verified=False)
    loner_client.post("/accounts/agency/join/")
    assert not Membership.objects.filter(user=loner).exists()
    AgencyDomain.objects.filter(agency=agency).update(verified=True)
    EmailAddress.objects.filter(user=loner).update(verified=False)
    loner_client.post("/accounts/agency/join/")
    assert not Membership.objects.filter(user=loner).exists()


def test_check_again_is_post_only_and_signed_in_only(client, loner):
    """GET is 405; anonymous users are sent to sign in."""
    assert client.post("/accounts/agency/join/").status_code == 302
    client.force_login(loner)
    assert client.get("/accounts/agency/join/").status_code == 405
