"""Sign-up, mandatory email verification, agency membership by email domain, password reset."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import AgencyDomain, Membership, User
from tests import factories

PASSWORD = "a long enough pass phrase 42"
CONFIRM_LINK = re.compile(r"http://testserver(/accounts/confirm-email/[^/\s]+/)")
RESET_LINK = re.compile(r"http://testserver(/accounts/password/reset/key/[^/\s]+/)")


def _sign_up(client: Client, email: str, full_name: str = "Riley Morgan", **extra):
    return client.post(
        "/accounts/signup/",
        {
            "full_name": full_name,
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            **extra,
        },
    )


def _sign_in(client: Client, email: str, password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def _link(pattern: re.Pattern, to: str) -> str:
    """The path of the last link of this kind mailed to ``to``."""
    for message in reversed(mail.outbox):
        if to in message.to and (match := pattern.search(message.body)):
            return match.group(1)
    raise AssertionError(f"No such link mailed to {to}")


def _confirm(email: str) -> None:
    """Follow the emailed confirmation link in a fresh browser and confirm."""
    browser = Client()
    path = _link(CONFIRM_LINK, email)
    assert browser.get(path).status_code == 200
    assert browser.post(path).status_code == 302


@pytest.fixture
def agency_domain(agency) -> AgencyDomain:
    return AgencyDomain.objects.create(agency=agency, domain="pd.example.gov", verified=True)


def test_signup_creates_unverified_user_and_mails_confirmation(client, db):
    """Signing up creates the user with their name, unverified, and mails a confirmation link."""
    response = _sign_up(client, "riley@example.net")
    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    user = User.objects.get(email="riley@example.net")
    assert user.full_name == "Riley Morgan"
    assert user.check_password(PASSWORD)
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["riley@example.net"]
    assert mail.outbox[0].subject.startswith("[Training Tracker] ")
    assert CONFIRM_LINK.search(mail.outbox[0].body)
    assert "_auth_user_id" not in client.session


def test_signup_stores_the_email_in_lower_case(client, db):
    """An address typed with capitals is stored in lower case."""
    _sign_up(client, "Riley.Morgan@Example.NET")
    assert User.objects.filter(email="riley.morgan@example.net").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("full_name", ""), ("email", "not-an-email"), ("password1", "short")],
)
def test_signup_with_invalid_field_creates_no_user(client, db, field, value):
    """A missing name, a bad address or a weak password is refused on the form."""
    data = {"full_name": "Riley Morgan", "email": "riley@example.net"}
    data[field] = value
    response = _sign_up(client, **data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not User.objects.exists()
    assert mail.outbox == []


def test_unverified_user_cannot_sign_in(client, db):
    """Until the address is verified, signing in leads to the “verification sent” page."""
    _sign_up(client, "riley@example.net")
    browser = Client()
    response = _sign_in(browser, "riley@example.net")
    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    assert "_auth_user_id" not in browser.session
    assert b"Training for the people who support survivors" in browser.get("/").content
    assert browser.get("/series/").status_code == 302


def test_following_the_confirmation_link_verifies_and_allows_sign_in(client, db):
    """The emailed link, confirmed by POST, verifies the address; then signing in works."""
    _sign_up(client, "riley@example.net")
    _confirm("riley@example.net")
    assert EmailAddress.objects.get(email="riley@example.net").verified
    browser = Client()
    response = _sign_in(browser, "riley@example.net")
    assert response.status_code == 302
    assert response.url == "/"
    assert browser.session["_auth_user_id"] == str(User.objects.get().pk)
    assert b"My training" in browser.get("/").content


def test_confirmation_link_get_alone_does_not_verify(client, db):
    """Opening the link shows a confirm button; only the POST verifies (mail scanners GET links)."""
    _sign_up(client, "riley@example.net")
    Client().get(_link(CONFIRM_LINK, "riley@example.net"))
    assert not EmailAddress.objects.get(email="riley@example.net").verified


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\x00", "multipart/form-data"),  # no boundary
        (b"a=1", "application/x-www-form-urlencoded; charset=utf-16"),  # only UTF-8 is read
    ],
)
def test_a_confirmation_posted_with_an_unreadable_body_verifies_nothing(
    client, db, body, content_type
):
    """The 400 comes before the confirmation (found by the fuzz: allauth confirmed the address,
    then failed reading the body, a 400 that had written)."""
    _sign_up(client, "riley@example.net")
    response = Client().post(_link(CONFIRM_LINK, "riley@example.net"), body, content_type)
    assert response.status_code == 400
    assert not EmailAddress.objects.get(email="riley@example.net").verified


@pytest.mark.parametrize(
    "target", ["http://[\x00::1]/", "http://[x]/", "//[::1", "http://[::1]:99999/"]
)
def test_a_malformed_next_address_is_not_followed(client, learner, target):
    """The sign-in page opens, and signing in goes home, not to the malformed address (Python's
    URL parser raises on a bad bracketed host: a 500, found by the fuzz)."""
    page = client.get("/accounts/login/", {"next": target})
    assert page.status_code == 200
    response = client.post(
        "/accounts/login/", {"login": learner.email, "password": factories.PASSWORD, "next": target}
    )
    assert (response.status_code, response["Location"]) == (302, "/")


def test_verified_address_on_agency_domain_makes_user_learner_of_agency(
    client, agency, agency_domain
):
    """A verified address on a verified agency domain joins the user to it as a learner."""
    _sign_up(client, "officer@pd.example.gov")
    user = User.objects.get(email="officer@pd.example.gov")
    assert not Membership.objects.filter(user=user).exists()  # not before verification
    _confirm("officer@pd.example.gov")
    membership = Membership.objects.get(user=user)
    assert (membership.agency, membership.role) == (agency, Membership.Role.LEARNER)


def test_domain_match_ignores_case_of_the_address(client, agency, agency_domain):
    """Capitals in the typed address still match the agency's domain."""
    _sign_up(client, "Officer@PD.Example.GOV")
    _confirm("officer@pd.example.gov")
    assert Membership.objects.filter(user__email="officer@pd.example.gov", agency=agency).exists()


def test_address_on_unverified_agency_domain_joins_no_agency(client, agency):
    """A domain the agency has not verified adds nobody to it."""
    AgencyDomain.objects.create(agency=agency, domain="pd.example.gov", verified=False)
    _sign_up(client, "officer@pd.example.gov")
    _confirm("officer@pd.example.gov")
    assert EmailAddress.objects.get(email="officer@pd.example.gov").verified
    assert not Membership.objects.filter(user__email="officer@pd.example.gov").exists()


def test_address_on_a_subdomain_of_agency_domain_joins_no_agency(client, agency, agency_domain):
    """Only the exact registered domain counts, not a look-alike subdomain."""
    _sign_up(client, "someone@evil.pd.example.gov")
    _confirm("someone@evil.pd.example.gov")
    assert not Membership.objects.exists()


def test_verifying_agency_address_never_downgrades_a_supervisor(agency, agency_domain):
    """A supervisor who verifies another address on the agency's domain stays a supervisor."""
    chief = factories.supervisor_of(agency, email="chief@example.net")
    browser = Client()
    browser.force_login(chief)
    response = browser.post("/accounts/email/", {"action_add": "", "email": "chief@pd.example.gov"})
    assert response.status_code == 302
    _confirm("chief@pd.example.gov")
    assert EmailAddress.objects.get(email="chief@pd.example.gov").verified
    membership = Membership.objects.get(user=chief)
    assert membership.role == Membership.Role.SUPERVISOR


def test_signup_with_existing_address_in_other_case_creates_no_account(client, learner):
    """Signing up Learner@Example.org when learner@example.org exists makes no second account.

    allauth's enumeration protection answers as for any sign-up and tells the owner by email.
    """
    response = _sign_up(client, "Learner@Example.org", full_name="Impostor")
    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    assert User.objects.count() == 1
    assert User.objects.get().full_name == "Jordan Ellis"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["learner@example.org"]
    assert "already has an account" in mail.outbox[0].body
    assert not CONFIRM_LINK.search(mail.outbox[0].body)


def test_database_refuses_the_same_email_in_other_case(learner):
    """The case-insensitive unique constraint holds even when the manager is bypassed."""
    with pytest.raises(IntegrityError), transaction.atomic():
        User(email="LEARNER@EXAMPLE.ORG").save()


def test_password_reset_mails_a_working_link_to_an_existing_address(client, learner):
    """A reset request mails the owner a link that sets a new password."""
    response = client.post("/accounts/password/reset/", {"email": "Learner@Example.org"})
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["learner@example.org"]
    browser = Client()
    form_url = browser.get(_link(RESET_LINK, "learner@example.org")).url
    new_password = "another long pass phrase 7"
    response = browser.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert _sign_in(Client(), "learner@example.org", new_password).url == "/"


def test_password_reset_for_unknown_address_answers_the_same_and_sends_no_link(client, db):
    """An unknown address gets the same answer, and no reset link is mailed anywhere."""
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/done/"
    assert not any(RESET_LINK.search(m.body) for m in mail.outbox)
