"""Spanish for the messages the code writes (not the templates): the supervisor's reminders and
assignments, the two-factor set-up before a first authenticator, and a transcript's period
that cannot be read. Each asks for Spanish the way a browser does (Accept-Language)."""

import re

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client

from tests import factories
from tests.accounts.mfa import EMAIL_CODE_URL, CommitClient, sign_in
from tests.supervision.conftest import bulk_learners

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}


@pytest.fixture
def supervisor(agency):
    return factories.supervisor_of(agency, email="sup@example.org", full_name="Sam Carter")


@pytest.fixture
def spanish_supervisor(supervisor, settings):
    settings.LMS_REQUIRE_MFA = False
    client = Client(**SPANISH)
    client.force_login(supervisor)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_reminders_to_overdue_learners_are_counted_in_spanish(
    spanish_supervisor, agency, series, django_capture_on_commit_callbacks
):
    """Sent, then the same button again the same day: both counts in Spanish, in the plural,
    on the dashboard the button leads back to."""
    bulk_learners(agency, series, 16)  # 4 of them overdue
    with django_capture_on_commit_callbacks(execute=True):
        response = spanish_supervisor.post("/agency/nudge-overdue/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/agency/")
    assert _messages(response) == [
        "Recordatorios enviados a 4 participantes con la formación vencida."
    ]
    assert "Recordatorios enviados a 4 participantes" in response.content.decode()
    assert len(mail.outbox) == 4
    again = spanish_supervisor.post("/agency/nudge-overdue/", follow=True)
    assert _messages(again) == ["A 4 participantes ya se les envió un recordatorio hoy."]


def test_one_overdue_learner_is_counted_in_the_singular_in_spanish(
    spanish_supervisor, agency, series
):
    bulk_learners(agency, series, 4)  # index 3 is the one overdue
    response = spanish_supervisor.post("/agency/nudge-overdue/", follow=True)
    assert _messages(response) == [
        "Recordatorio enviado a 1 participante con la formación vencida."
    ]


def test_what_an_assignment_did_is_said_in_spanish(spanish_supervisor, agency, series, learner):
    response = spanish_supervisor.post(
        "/agency/assignments/new/",
        {"series": series.pk, "audience": "everyone", "due_rule": "days", "due_in_days": 21},
        follow=True,
    )
    [message] = _messages(response)
    assert message.startswith(f"“{series.title}” asignada. 1 participante recién inscrito,")
    assert "con fecha límite el" in message


def test_the_two_factor_set_up_speaks_spanish(supervisor, settings):
    """With MFA required, the agency pages send the supervisor to set it up, saying why; the
    code page's messages (sent, a wrong code, confirmed) follow in Spanish."""
    settings.LMS_REQUIRE_MFA = True
    client = CommitClient(**SPANISH)
    sign_in(client, supervisor)

    response = client.get("/agency/", follow=True)
    assert (
        "Las páginas de supervisor contienen los registros de formación de los participantes: "
        "active la autenticación de dos factores para abrirlas." in _messages(response)
    )

    response = client.post(EMAIL_CODE_URL, {"send": "1"}, follow=True)
    assert "Correo enviado: busque el código en su bandeja de entrada." in _messages(response)
    (sent,) = mail.outbox  # in Spanish too: the code is read from its body
    code = re.search(r"^    (\d{4} \d{4})$", sent.body, re.M)
    assert code, sent.body
    right = code.group(1)
    wrong = "0000 0000" if right != "0000 0000" else "1111 1111"
    page = client.post(EMAIL_CODE_URL, {"code": wrong}).content.decode()
    assert "Ese código no es el que le enviamos. Le quedan 4 intentos." in page

    response = client.post(EMAIL_CODE_URL, {"code": right}, follow=True)
    assert (
        "Gracias, su dirección de correo electrónico está confirmada. Ahora agregue su método "
        "de autenticación (en un plazo de 10 minutos)." in _messages(response)
    )


def test_a_transcript_period_that_cannot_be_read_is_explained_in_spanish(client, learner):
    """The learner's transcript: a date that is none, then an end before the start; each time
    the page says why in Spanish and shows the last 24 months."""
    client.force_login(learner)
    response = client.get("/transcript/?from=2025-02-30", **SPANISH)
    assert response.status_code == 200
    assert _messages(response) == [
        "“2025-02-30” no es una fecha con el formato AAAA-MM-DD (from). "
        "En su lugar se muestran los últimos 24 meses."
    ]
    response = client.get("/transcript/?from=2025-06-01&to=2025-01-01", **SPANISH)
    assert _messages(response) == [
        "El período termina antes de empezar. En su lugar se muestran los últimos 24 meses."
    ]
