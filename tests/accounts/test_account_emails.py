"""allauth's emails, sent through its own flows, speak in the product's name and words: no
"Hello from <host>!", no example.com, the site's address, text and HTML."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from tests import factories
from tests.accounts.mfa import sign_in

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough pass phrase 42"
GREETING_WITH_HOST = re.compile(r"Hello from|example\.com|testserver!|127\.0\.0\.1:\d+!")


def _sign_up(client: Client, email: str):
    return client.post(
        "/accounts/signup/",
        {"full_name": "Riley Morgan", "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def _signup():
    _sign_up(Client(), "riley@pd.example.gov")
    return "Confirm your email address", "/accounts/confirm-email/"


def _add_email():
    client = Client()
    sign_in(client, factories.learner_of(factories.AgencyFactory(), email="dana@example.org"))
    client.post("/accounts/email/", {"action_add": "", "email": "dana@pd.example.gov"})
    return "Confirm your email address", "/accounts/confirm-email/"


def _reset():
    factories.UserFactory(email="casey@example.org")
    Client().post("/accounts/password/reset/", {"email": "casey@example.org"})
    return "Reset your password", "/accounts/password/reset/key/"


def _reset_unknown():
    Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    return "No account with this address", "/accounts/signup/"


def _signup_existing():
    factories.UserFactory(email="jordan@example.org")
    _sign_up(Client(), "jordan@example.org")
    return "You already have an account", "/accounts/password/reset/"


@pytest.mark.parametrize(
    "flow",
    [_signup, _add_email, _reset, _reset_unknown, _signup_existing],
    ids=lambda f: f.__name__,
)
def test_each_account_email_is_the_products_own(flow):
    """Subject, text and HTML name Training Tracker, carry the flow's link and the site's
    address, and never greet from a host name."""
    mail.outbox = []
    subject, path = flow()
    (message,) = mail.outbox
    assert message.subject == f"[Training Tracker] {subject}"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    html = dict((kind, body) for body, kind in message.alternatives)["text/html"]
    for body in (message.body, html):
        assert not GREETING_WITH_HOST.search(body), body
        assert "Training Tracker" in body
        assert path in body
        assert settings.LMS_BASE_URL in body
    assert message.body.startswith("Hello,")
    assert html.startswith("<!DOCTYPE html>") and 'lang="en' in html


def test_a_sign_in_notice_is_the_products_own_too(learner):
    """A security notice (a password changed) has the product's sign-off and the site's
    address; text only, as allauth's notices are."""
    client = Client()
    sign_in(client, learner)
    new = "a different passphrase 7"
    client.post(
        "/accounts/password/change/",
        {"oldpassword": factories.PASSWORD, "password1": new, "password2": new},
    )
    (message,) = mail.outbox
    assert message.subject == "[Training Tracker] Your password was changed"
    assert not GREETING_WITH_HOST.search(message.body)
    assert message.body.rstrip().endswith(f"Training Tracker\n{settings.LMS_BASE_URL}")
