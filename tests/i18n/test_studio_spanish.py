"""The studio in Spanish for a course author whose browser asks for it: the question editor,
a quiz's statistics, the refusals of ``courses.content`` and the studio's messages. (The
Spanish of these strings reaches locale/ with the studio's translations of issue 12.)"""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.utils import translation

from courses import quizzes
from courses import services as course_services
from courses.models import Component
from studio.views.stats import duration_text
from tests import factories

pytestmark = pytest.mark.django_db

SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}


@pytest.fixture(autouse=True)
def _mfa_off(settings):
    settings.LMS_REQUIRE_MFA = False


@pytest.fixture
def author_client(client):
    client.force_login(factories.author(full_name="Robin Author"))
    return client


@pytest.fixture
def quiz(series) -> Component:
    module = series.modules.get(slug="understanding")
    return factories.quiz(module, slug="check", position=9, pass_mark=100)


def _page(client, url: str, **headers) -> str:
    response = client.get(url, **(headers or SPANISH_BROWSER))
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_question_list_speaks_spanish(author_client, quiz):
    body = _page(author_client, f"/studio/components/{quiz.pk}/questions/")
    assert "<title>Preguntas · " in body
    assert "2 preguntas" in body
    assert "Agregar una pregunta" in body
    assert 'aria-label="Subir la pregunta 2"' in body
    assert "Cuestionario del módulo “" in body and "nota para aprobar 100%." in body
    assert "Clave:" in body
    assert "Add a question" not in body and "questions</h2>" not in body


def test_the_question_form_speaks_spanish(author_client, quiz):
    body = _page(author_client, f"/studio/components/{quiz.pk}/questions/new/")
    assert "Nueva pregunta del cuestionario" in body
    assert "En el cuestionario “" in body
    assert "Agregar y luego agregar otra" in body
    assert "La respuesta 1 es correcta" in body
    assert "Quitar la respuesta 1" in body
    assert "Empty rows are ignored" not in body


def test_a_refusal_of_the_question_editor_is_in_spanish(author_client, quiz):
    """``courses.content`` refuses in the author's language: a single choice without its one
    correct answer."""
    url = f"/studio/components/{quiz.pk}/questions/new/"
    response = author_client.post(
        url,
        {
            "kind": "single",
            "text": "¿Qué término se usa?",
            "slug": "",
            "explanation": "",
            "choices-TOTAL_FORMS": "2",
            "choices-INITIAL_FORMS": "0",
            "choices-MIN_NUM_FORMS": "0",
            "choices-MAX_NUM_FORMS": "1000",
            "choices-0-text": "CSAM",
            "choices-1-text": "Otro",
        },
        **SPANISH_BROWSER,
    )
    body = unescape(response.content.decode())
    assert (
        "Una pregunta de opción única necesita exactamente una opción correcta (esta tiene 0)"
        in body
    )


def test_the_statistics_of_a_quiz_speak_spanish(author_client, agency, series, quiz):
    wrong = {
        question.pk: [next(c.pk for c in question.choices.all() if not c.is_correct)]
        for question in quiz.questions.prefetch_related("choices")
    }
    for i in range(5):
        user = factories.learner_of(agency, email=f"es{i}@example.org")
        course_services.enrollment_create(user=user, series=series)
        attempt = quizzes.quiz_attempt_start(user=user, component=quiz)
        quizzes.quiz_attempt_submit(user=user, attempt_id=attempt.pk, answers=wrong)
    body = _page(author_client, f"/studio/components/{quiz.pk}/stats/")
    assert "<title>Estadísticas: " in body
    assert "Resultados del cuestionario" in body
    assert "Tasa de aprobación (nota para aprobar 100%)" in body
    assert "Aprobados: 0 de 5 participantes" in body
    assert "Puntuaciones de los 5 intentos enviados, en porcentaje" in body
    assert "0–9: 5 intentos" in body
    assert "Quiz results" not in body


def test_the_studio_pages_stay_english_for_an_english_browser(author_client, quiz):
    body = _page(
        author_client, f"/studio/components/{quiz.pk}/questions/", HTTP_ACCEPT_LANGUAGE="en-US"
    )
    assert "2 questions" in body and "Add a question" in body
    assert "Agregar una pregunta" not in body


def test_a_studio_message_is_in_spanish(author_client, quiz):
    response = author_client.post(
        f"/studio/modules/{quiz.module_id}/components/order/",
        {"order": ["x"]},
        follow=True,
        **SPANISH_BROWSER,
    )
    assert "No se pudo leer el orden." in unescape(response.content.decode())


def test_durations_in_spanish():
    with translation.override("es"):
        assert duration_text(timedelta(days=1)) == "1 día"
        assert duration_text(timedelta(days=3, hours=4)) == "3 días 4 h"
