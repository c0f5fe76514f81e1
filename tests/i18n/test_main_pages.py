"""Spanish for what main added beside the Spanish branch: the wellness page, the catalog's
search, a learner in no agency, the profile's calendar link and the video's transcript."""

import pytest

from courses import services
from courses.models import Component
from tests import factories

pytestmark = pytest.mark.django_db

SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}


@pytest.fixture
def spanish_learner(learner):
    learner.preferred_language = "es"
    learner.save(update_fields=["preferred_language"])
    return learner


@pytest.fixture
def spanish_client(client, spanish_learner):
    client.force_login(spanish_learner)
    return client


def test_the_wellness_page_speaks_spanish_to_a_signed_out_visitor(client):
    """Its help lines keep their numbers (988, 911); nothing of it is left in English."""
    body = client.get("/wellness/", **SPANISH_BROWSER).content.decode()
    assert "<title>Bienestar y apoyo" in body
    assert "material de abuso sexual infantil (CSAM)" in body
    assert "<strong>988</strong>" in body and "<strong>911</strong>" in body
    assert "Si necesita ayuda ahora" in body
    assert "If you need help now" not in body
    assert "Habits that help with exposure" not in body


def test_the_wellness_page_stays_english_for_an_english_browser(client):
    body = client.get("/wellness/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "If you need help now" in body
    assert "Si necesita ayuda ahora" not in body


def test_catalog_search_counts_in_spanish_singular_and_plural(spanish_client, series):
    factories.SeriesFactory(slug="second", title="Working with Families")
    one = spanish_client.get("/series/", {"q": "survivors"}).content.decode()
    assert "1 serie coincide con “survivors”." in one
    assert "Mostrar todas las series" in one
    two = spanish_client.get("/series/", {"q": "working"}).content.decode()
    assert "2 series coinciden con “working”." in two


def test_catalog_search_with_no_result_and_a_too_long_query_in_spanish(spanish_client, series):
    none = spanish_client.get("/series/", {"q": "nothing-like-it"}).content.decode()
    assert "Ninguna serie coincide con “nothing-like-it”." in none
    assert "Borrar la búsqueda y mostrar todas las series" in none
    long = spanish_client.get("/series/", {"q": "x" * 500}).content.decode()
    assert "caracteres como máximo" in long
    assert "Se muestran todas las series." in long


def test_the_search_field_is_labelled_in_spanish(spanish_client, series):
    assert "Buscar en el catálogo" in spanish_client.get("/series/").content.decode()


def test_a_learner_in_no_agency_reads_the_next_steps_in_spanish(client):
    loner = factories.UserFactory(email="dana@smalltown.example.net", preferred_language="es")
    client.force_login(loner)
    body = client.get("/").content.decode()
    assert "Todavía no forma parte de una agencia" in body
    assert "<strong>@smalltown.example.net</strong>" in body
    assert "Volver a comprobar" in body
    response = client.post("/accounts/agency/join/", follow=True)
    assert "Ninguna agencia ha registrado @smalltown.example.net todavía." in (
        response.content.decode()
    )


def test_the_calendar_section_and_its_messages_in_spanish(spanish_client):
    page = spanish_client.get("/accounts/profile/").content.decode()
    assert "Fechas límite en su calendario" in page
    assert "Crear mi enlace de calendario" in page
    made = spanish_client.post("/accounts/profile/calendar/", {"action": "reset"}, follow=True)
    body = made.content.decode()
    assert "Su enlace de calendario está listo" in body
    assert 'data-copied="Enlace copiado."' in body
    assert "Restablecer el enlace" in body
    refused = spanish_client.post("/accounts/profile/calendar/", {"action": "?"}, follow=True)
    assert "No se cambió nada: elija restablecer o desactivar" in refused.content.decode()


def test_the_videos_transcript_is_not_the_training_transcript(
    spanish_client, spanish_learner, series
):
    """“Transcript” in the navigation is the training record; on a video it is its words."""
    services.enrollment_create(user=spanish_learner, series=series)
    video = Component.objects.get(slug="intro-video")
    video.transcript = "Lo que dice la sesión."
    video.save(update_fields=["transcript"])
    body = spanish_client.get(video.get_absolute_url()).content.decode()
    assert "<summary>Transcripción</summary>" in body
    assert ">Historial</a>" in body  # the main menu's short word for the training record
