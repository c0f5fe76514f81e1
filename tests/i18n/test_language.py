"""Which language a page is in: the profile's preferred language, else the switcher's cookie,
else the browser's Accept-Language; the switcher; ``lang`` on ``<html>``."""

import json

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.models import Component

pytestmark = pytest.mark.django_db

SPANISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9,en;q=0.5"}
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def _lang(response) -> str:
    body = response.content.decode()
    start = body.index('<html lang="') + len('<html lang="')
    return body[start : body.index('"', start)]


def test_a_signed_out_visitor_gets_english_by_default(client):
    response = client.get("/accounts/login/")
    assert _lang(response) == "en"
    assert response.headers["Content-Language"] == "en"


def test_a_signed_out_visitor_whose_browser_asks_for_spanish_gets_spanish_sign_in(client):
    response = client.get("/accounts/login/", **SPANISH_BROWSER)
    assert _lang(response) == "es"
    assert response.headers["Content-Language"] == "es"
    body = response.content.decode()
    assert "Iniciar sesión" in body
    assert "Sign in" not in body


def test_a_browser_asking_for_a_language_the_site_lacks_gets_english(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert _lang(response) == "en"


def test_the_preferred_language_wins_over_the_browsers(client, learner):
    learner.preferred_language = "es"
    learner.save(update_fields=["preferred_language"])
    client.force_login(learner)
    response = client.get("/", **ENGLISH_BROWSER)
    assert _lang(response) == "es"
    assert "Mi formación" in response.content.decode()


def test_an_english_preference_wins_over_a_spanish_browser(client, learner):
    learner.preferred_language = "en"
    learner.save(update_fields=["preferred_language"])
    client.force_login(learner)
    response = client.get("/", **SPANISH_BROWSER)
    assert _lang(response) == "en"
    assert "My training" in response.content.decode()


def test_no_preference_follows_the_browser(client, learner):
    assert learner.preferred_language == ""
    client.force_login(learner)
    assert _lang(client.get("/", **SPANISH_BROWSER)) == "es"
    assert _lang(client.get("/", **ENGLISH_BROWSER)) == "en"


def test_every_page_carries_the_switcher(client, learner):
    body = client.get("/accounts/login/").content.decode()
    assert 'action="/accounts/language/"' in body
    assert '<option value="es" lang="es">Español</option>' in body
    assert '<option value="en" lang="en" selected>English</option>' in body
    client.force_login(learner)
    body = client.get("/", **SPANISH_BROWSER).content.decode()
    assert '<option value="es" lang="es" selected>Español</option>' in body


def _switch(client: Client, language: str, page: str = "/series/", **headers: str):
    """Choose a language on ``page`` as a browser does: a same-origin POST from that page."""
    headers = {
        "HTTP_SEC_FETCH_SITE": "same-origin",
        "HTTP_REFERER": f"http://testserver{page}",
        **headers,
    }
    return client.post("/accounts/language/", {"language": language}, **headers)


def test_the_switcher_sets_a_signed_out_visitors_cookie_and_leads_back(client):
    response = _switch(client, "es", "/accounts/login/?next=/series/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=/series/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert _lang(client.get("/accounts/login/", **ENGLISH_BROWSER)) == "es"
    _switch(client, "en", "/accounts/login/")
    assert _lang(client.get("/accounts/login/", **SPANISH_BROWSER)) == "en"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_SEC_FETCH_SITE": "none"},
        {"HTTP_SEC_FETCH_SITE": "", "HTTP_ORIGIN": "http://testserver"},
        {"HTTP_ORIGIN": "https://evil.example", "HTTP_REFERER": ""},
        {"HTTP_ORIGIN": "null", "HTTP_REFERER": ""},
        {"HTTP_ORIGIN": "https://testserver", "HTTP_REFERER": ""},  # another scheme
        {"HTTP_REFERER": "https://evil.example/page"},
        {"HTTP_REFERER": ""},
    ],
)
def test_the_switcher_refuses_a_post_from_another_site(client, learner, headers):
    """No token on the page: the browser's Sec-Fetch-Site, else Origin, else Referer must say
    the post comes from the site itself."""
    client.force_login(learner)
    response = client.post("/accounts/language/", {"language": "es"}, **headers)
    assert response.status_code == 403
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    learner.refresh_from_db()
    assert learner.preferred_language == ""


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_REFERER": "http://testserver/series/"},
    ],
)
def test_an_older_browser_without_sec_fetch_site_is_checked_by_origin_or_referer(client, headers):
    response = client.post("/accounts/language/", {"language": "es"}, **headers)
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_the_switcher_refuses_a_get(client):
    assert client.get("/accounts/language/?language=es").status_code == 405
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_the_switcher_saves_a_signed_in_users_preference(client, learner):
    client.force_login(learner)
    response = _switch(client, "es", "/series/")
    assert response.headers["Location"] == "/series/"
    learner.refresh_from_db()
    assert learner.preferred_language == "es"
    assert _lang(client.get("/", **ENGLISH_BROWSER)) == "es"
    _switch(client, "en")
    learner.refresh_from_db()
    assert learner.preferred_language == "en"


@pytest.mark.parametrize("code", ["fr", "klingon", "", "es-xx", "<script>"])
def test_the_switcher_ignores_a_language_the_site_lacks(client, learner, code):
    learner.preferred_language = "en"
    learner.save(update_fields=["preferred_language"])
    client.force_login(learner)
    response = _switch(client, code, "/series/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/series/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    learner.refresh_from_db()
    assert learner.preferred_language == "en"


def test_the_switcher_leads_only_to_a_page_of_the_site(client):
    response = _switch(client, "es", HTTP_REFERER="https://evil.example/", HTTP_ORIGIN="x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    response = _switch(client, "es", "/series/", HTTP_REFERER="")
    assert response.headers["Location"] == "/"
    response = _switch(client, "es", HTTP_REFERER="http://testserver//evil.example/")
    assert response.headers["Location"] == "/"
    response = _switch(client, "es", HTTP_REFERER="http://testserver/" + "𝄞" * 300)
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("next_url", ["/agency/", "https://evil.example/", "𝄞" * 256])
def test_the_switcher_ignores_a_next_address(client, next_url):
    """The form sends none: back is the page it was on, whatever else the post says."""
    response = client.post(
        "/accounts/language/",
        {"language": "es", "next": next_url},
        HTTP_SEC_FETCH_SITE="same-origin",
        HTTP_REFERER="http://testserver/toolkit/?q=trauma",
    )
    assert response.headers["Location"] == "/toolkit/?q=trauma"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_the_language_cookie_is_http_only(client):
    response = _switch(client, "es")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["httponly"]


def test_the_switcher_makes_no_page_differ_from_one_request_to_the_next(client, learner):
    """No per-request token and no page address in the switcher (the 404 pages are the same
    page for every URL)."""
    client.force_login(learner)
    first = client.get("/no-such-page/").content
    assert first == client.get("/other-missing-page/").content
    assert b'action="/accounts/language/"' in first
    assert b"csrfmiddlewaretoken" not in first


def test_the_preference_costs_no_query(client, learner):
    """The user that every signed-in request loads carries the preference: the same queries
    with or without it."""
    client.force_login(learner)
    client.get("/")
    with CaptureQueriesContext(connection) as without:
        client.get("/")
    learner.preferred_language = "es"
    learner.save(update_fields=["preferred_language"])
    with CaptureQueriesContext(connection) as with_it:
        client.get("/")
    assert len(with_it.captured_queries) == len(without.captured_queries)


def test_the_video_page_gives_its_script_the_words_in_the_learners_language(
    client, learner, series
):
    learner.preferred_language = "es"
    learner.save(update_fields=["preferred_language"])
    services.enrollment_create(user=learner, series=series)
    client.force_login(learner)
    video = Component.objects.get(slug="intro-video")
    body = client.get(video.get_absolute_url()).content.decode()
    assert 'data-offline="Se perdió la conexión: su progreso se guardará cuando vuelva."' in body
    assert 'data-completed="Completado"' in body


def test_a_refused_heartbeat_says_why_in_the_learners_language(client, learner, series):
    """Not enrolled: the JSON error the player shows is in Spanish."""
    learner.preferred_language = "es"
    learner.save(update_fields=["preferred_language"])
    client.force_login(learner)
    video = Component.objects.get(slug="intro-video")
    response = client.post(
        video.get_absolute_url() + "progress/",
        data=json.dumps({"watched": [[0, 5]], "position": 5}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Inscríbase en esta serie para registrar su progreso."
