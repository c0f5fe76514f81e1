"""allauth's emails and the account notices in the recipient's language: their preferred
language, else (no account, or none chosen) the language of the browser that asked."""

import pytest
from django.core import mail
from django.test import Client

from accounts.notices import account_email_send
from tests import factories

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def _reset(email: str, **headers: str) -> mail.EmailMessage:
    Client().post("/accounts/password/reset/", {"email": email}, **headers)
    (message,) = mail.outbox
    return message


def test_a_password_reset_goes_in_the_owners_preferred_language_whatever_the_browser():
    factories.UserFactory(email="ana@example.org", preferred_language="es")
    message = _reset("ana@example.org", **ENGLISH)
    assert message.subject.endswith("Restablezca su contraseña")
    assert "pidió restablecer la contraseña de su cuenta de Training Tracker" in message.body
    html = message.alternatives[0][0]
    assert "Elegir una contraseña nueva" in html


def test_an_english_preference_gets_english_from_a_spanish_browser():
    factories.UserFactory(email="sam@example.org", preferred_language="en")
    message = _reset("sam@example.org", **SPANISH)
    assert message.subject.endswith("Reset your password")
    assert "asked to reset the password" in message.body


def test_no_preference_follows_the_browser_that_asked():
    factories.UserFactory(email="lee@example.org")
    assert _reset("lee@example.org", **SPANISH).subject.endswith("Restablezca su contraseña")
    mail.outbox.clear()
    assert _reset("lee@example.org", **ENGLISH).subject.endswith("Reset your password")


def test_an_unknown_address_is_answered_in_the_browsers_language():
    message = _reset("nobody@example.org", **SPANISH)
    assert message.subject.endswith("No hay ninguna cuenta con esta dirección")
    assert "no hay ninguna cuenta con esta dirección" in message.body


def test_a_sign_up_confirmation_follows_the_browser():
    Client().post(
        "/accounts/signup/",
        {
            "full_name": "Riley Morgan",
            "email": "riley@pd.example.gov",
            "password1": "a long enough pass phrase 42",
            "password2": "a long enough pass phrase 42",
        },
        **SPANISH,
    )
    (message,) = mail.outbox
    assert message.subject.endswith("Confirme su dirección de correo electrónico")
    assert "Confirme que es suya abriendo este enlace:" in message.body


def test_an_account_notice_is_in_the_owners_language(agency):
    learner = factories.learner_of(agency, preferred_language="es", full_name="Ana Morales")
    account_email_send(
        to=learner.email,
        template="mfa_enrollment_code",
        context={"user": learner, "code": "123456", "minutes": 15},
    )
    (message,) = mail.outbox
    assert message.subject.endswith("Su código para configurar la autenticación de dos factores")
    assert message.body.startswith("Hola, Ana:\n")
    assert "Sirve durante 15 minutos, una sola vez." in message.body
