"""Spanish in a real browser: a browser that asks for Spanish reads the sign-in, the learner's
home and a series page in Spanish; the switcher changes the language and saves the choice; a
reminder email to a learner who prefers Spanish reads in Spanish; the wellness page, the
catalog's search and a learner in no agency read in Spanish."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import User
from courses.models import Module
from tests import factories

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "browser-demo-passphrase-7"
SERIES_TITLE = "Working with Victims and Survivors of CSAM for Law Enforcement"
SPANISH_BROWSER = {"Accept-Language": "es-MX,es;q=0.9"}


def _seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", stdout=io.StringIO())


def _shots(page: Page, screenshot, name: str) -> None:
    """The page at 1280 and at 375 px wide (a phone), then back to 1280."""
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"spanish-{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def _sign_in(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name=re.compile(r"^iniciar sesión$", re.I)).click()
    expect(page.get_by_role("link", name="Cerrar sesión")).to_be_visible()


def test_a_spanish_browser_reads_sign_in_home_and_series_in_spanish(
    page: Page, screenshot, monkeypatch: pytest.MonkeyPatch
):
    _seed(monkeypatch)
    page.context.set_extra_http_headers(SPANISH_BROWSER)

    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    expect(page.get_by_role("heading", name="Aviso de uso del sistema")).to_be_visible()
    expect(page.get_by_text("Este sistema es solo para uso autorizado.")).to_be_visible()
    expect(page.get_by_role("link", name="Crear cuenta")).to_be_visible()
    _shots(page, screenshot, "sign-in")

    _sign_in(page, "learner@example.com")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_title("Mi formación · Training Tracker")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mi formación")
    nav = page.get_by_role("navigation", name="Principal")
    for link in ("Catálogo", "Kit de recursos", "Certificados", "Historial"):
        expect(nav.get_by_role("link", name=link)).to_be_visible()
    card = page.locator("article.card-series", has_text=SERIES_TITLE)
    expect(card.get_by_role("progressbar", name="Progreso en la serie")).to_be_visible()
    expect(card.get_by_role("link", name="Continuar")).to_be_visible()
    # The due date in Spanish: "Fecha límite: 18 dic 2026", month names lowercase.
    expect(card).to_contain_text(re.compile(r"Fecha límite: \d{1,2} [a-z]{3} \d{4}"))
    expect(page.get_by_role("link", name="Recursos de bienestar y de atención a sobrevivientes"))
    _shots(page, screenshot, "home")

    card.get_by_role("link", name=SERIES_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SERIES_TITLE)  # as authored
    expect(page.get_by_role("heading", name="Módulos")).to_be_visible()
    expect(page.get_by_role("heading", name="Mi progreso")).to_be_visible()
    expect(page.get_by_text("Contiene 2 componentes").first).to_be_visible()
    expect(page.get_by_role("link", name="Continuar")).to_be_visible()
    expect(page.get_by_role("navigation", name="Ruta de navegación")).to_contain_text("Catálogo")
    expect(page.locator("main")).not_to_contain_text("Modules")
    _shots(page, screenshot, "series")


def test_the_switcher_changes_the_language_and_saves_a_learners_choice(
    page: Page, screenshot, monkeypatch: pytest.MonkeyPatch
):
    _seed(monkeypatch)
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switcher = page.locator("footer form.language-switch")
    select = switcher.get_by_label("Language")
    expect(select).to_have_value("en")
    # From the keyboard: the select, then its button.
    select.focus()
    select.select_option("es")
    page.keyboard.press("Tab")
    expect(switcher.get_by_role("button", name="Change language")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    expect(switcher.get_by_label("Idioma")).to_have_value("es")
    switcher.scroll_into_view_if_needed()
    _shots(page, screenshot, "switcher")

    _sign_in(page, "learner@example.com")  # Spanish by the cookie: the learner chose nothing
    assert User.objects.get(email="learner@example.com").preferred_language == ""
    page.goto("/series/")
    switcher.get_by_label("Idioma").select_option("en")
    switcher.get_by_role("button", name="Cambiar idioma").click()
    expect(page).to_have_url(re.compile(r"/series/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Catalog"))
    assert User.objects.get(email="learner@example.com").preferred_language == "en"
    switcher.get_by_label("Language").select_option("es")
    switcher.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert User.objects.get(email="learner@example.com").preferred_language == "es"


def test_a_reminder_email_reads_in_spanish(page: Page, screenshot, monkeypatch: pytest.MonkeyPatch):
    """The overdue reminders of the demo's assignment, sent by the product's command: the learner
    who prefers Spanish gets hers in Spanish, the others theirs in English."""
    _seed(monkeypatch)
    User.objects.filter(email="marcus.reed@example.com").update(preferred_language="es")
    mail.outbox.clear()
    call_command("send_reminders", stdout=io.StringIO())
    (spanish,) = [m for m in mail.outbox if m.to == ["marcus.reed@example.com"]]
    (english,) = [m for m in mail.outbox if m.to == ["sofia.alvarez@example.com"]]
    assert spanish.subject == f"“{SERIES_TITLE}” venció el " + spanish.subject.rsplit("el ", 1)[1]
    assert spanish.body.startswith("Hola, Marcus:\n")
    assert english.subject.startswith(f"“{SERIES_TITLE}” was due ")
    assert english.body.startswith("Hello Sofia,\n")

    html = spanish.alternatives[0][0]
    page.set_content(html)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("body")).to_contain_text("Hola, Marcus:")
    expect(page.locator("body")).to_contain_text(
        re.compile(rf"La fecha límite de su formación “{SERIES_TITLE}” era el \w+ \d+ de \w+ de 20")
    )
    expect(page.get_by_role("link", name="Continuar")).to_have_attribute(
        "href", re.compile(r"/series/working-with-victims-and-survivors-of-csam/resume/$")
    )
    expect(page.locator("body")).to_contain_text("Tómese el tiempo que necesite.")
    _shots(page, screenshot, "reminder-email")


def test_the_wellness_page_catalog_search_and_a_learner_in_no_agency_read_in_spanish(
    page: Page, screenshot, monkeypatch: pytest.MonkeyPatch
):
    """What main added beside the Spanish: the public wellness page, the catalog's search
    (found, nothing found) and the next steps of a learner whose domain no agency has."""
    _seed(monkeypatch)
    factories.UserFactory(email="officer@unregistered-agency.example", password=DEMO_PASSWORD)
    page.context.set_extra_http_headers(SPANISH_BROWSER)

    page.goto("/wellness/")
    expect(page).to_have_title("Bienestar y apoyo · Training Tracker")
    help_now = page.get_by_role("region", name="Si necesita ayuda ahora")
    expect(help_now).to_contain_text("988")
    expect(help_now).to_contain_text("911")
    expect(
        page.get_by_role("heading", name="Hábitos que ayudan ante la exposición")
    ).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("If you need help now")
    _shots(page, screenshot, "wellness")

    _sign_in(page, "learner@example.com")
    page.goto("/series/")
    page.get_by_label("Buscar en el catálogo").fill("survivors")
    page.locator("main").get_by_role("button", name="Buscar").click()
    expect(page.get_by_role("status")).to_contain_text("1 serie coincide con “survivors”.")
    expect(page.locator("article.card-series", has_text=SERIES_TITLE)).to_be_visible()
    _shots(page, screenshot, "catalog-search")
    page.get_by_label("Buscar en el catálogo").fill("nothing-like-it")
    page.locator("main").get_by_role("button", name="Buscar").click()
    expect(page.get_by_text("Ninguna serie coincide con “nothing-like-it”.")).to_be_visible()
    _shots(page, screenshot, "catalog-search-none")

    page.context.clear_cookies()  # a new visitor: the officer whose domain no agency has
    _sign_in(page, "officer@unregistered-agency.example")
    page.goto("/")
    next_steps = page.get_by_role("region", name="Todavía no forma parte de una agencia")
    expect(next_steps).to_contain_text("@unregistered-agency.example")
    next_steps.get_by_role("button", name="Volver a comprobar").click()
    expect(
        page.get_by_text("Ninguna agencia ha registrado @unregistered-agency.example")
    ).to_be_visible()
    _shots(page, screenshot, "no-agency-home")


def _menu_on_one_row(page: Page) -> None:
    """At 1280 px every link of the main menu sits on one row, none broken inside itself."""
    rows = page.evaluate(
        """() => [...document.querySelectorAll('#main-nav .nav-link')].map(a => {
             const box = a.getBoundingClientRect();
             return [Math.round(box.top), a.getClientRects().length];
           })"""
    )
    assert len({top for top, _ in rows}) == 1, rows
    assert all(lines == 1 for _, lines in rows), rows
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_the_supervisor_reads_the_agency_pages_in_spanish(
    page: Page, screenshot, monkeypatch: pytest.MonkeyPatch
):
    """The supervisor's dashboard, learners table and its refusal, in Spanish: the pages, the
    table's headers and the flash messages."""
    _seed(monkeypatch)
    page.context.set_extra_http_headers(SPANISH_BROWSER)
    _sign_in(page, "supervisor@example.com")
    page.goto("/agency/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    tabs = page.locator("main ul.nav-tabs")
    for tab in ("Resumen", "Participantes", "Asignaciones", "Cumplimiento"):
        expect(tabs.get_by_role("link", name=tab)).to_be_visible()
    expect(page.get_by_role("heading", name="Regla de formación continua")).to_be_visible()
    expect(page.get_by_role("heading", name="Con retraso")).to_be_visible()
    _menu_on_one_row(page)
    page.get_by_role("button", name=re.compile(r"^Avisar a los \d+ participantes")).click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text(
        re.compile(r"Recordatorios? enviados? a \d+ participantes?")
    )
    expect(page.locator("main")).not_to_contain_text("Behind schedule")
    _shots(page, screenshot, "agency-dashboard")

    tabs.get_by_role("link", name="Participantes").click()
    table = page.get_by_role("table")
    for header in ("Nombre", "Correo electrónico", "Progreso", "Última actividad"):
        expect(table.get_by_role("columnheader", name=re.compile(header))).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Last activity")
    _shots(page, screenshot, "agency-learners")


def test_the_author_reads_the_studio_in_spanish(
    page: Page, screenshot, monkeypatch: pytest.MonkeyPatch, settings
):
    """The studio's index, a series, a quiz's questions and its statistics in Spanish, with the
    drag-and-drop order's status in Spanish too."""
    settings.LMS_REQUIRE_MFA = False
    _seed(monkeypatch)
    module = Module.objects.filter(series__title=SERIES_TITLE).order_by("position").first()
    quiz = factories.quiz(module, slug="spanish-check", title="Knowledge check", position=9)
    page.context.set_extra_http_headers(SPANISH_BROWSER)
    _sign_in(page, "author@example.com")
    page.goto("/studio/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Nueva serie").first).to_be_visible()
    _menu_on_one_row(page)
    _shots(page, screenshot, "studio-index")

    page.get_by_role("link", name=SERIES_TITLE).first.click()
    expect(page.get_by_role("link", name="Agregar un módulo")).to_be_visible()
    expect(page.locator("#order-status")).to_have_attribute("data-saved", "Orden guardado.")
    expect(page.locator("main")).not_to_contain_text("Add a module")
    _shots(page, screenshot, "studio-series")

    page.goto(f"/studio/components/{quiz.pk}/questions/")
    expect(page.get_by_role("heading", name="2 preguntas")).to_be_visible()
    expect(page.get_by_role("link", name="Agregar una pregunta")).to_be_visible()
    expect(page.get_by_role("button", name="Subir la pregunta 2")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Add a question")
    _shots(page, screenshot, "studio-questions")

    page.goto(f"/studio/components/{quiz.pk}/stats/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Estadísticas: Knowledge check")
    expect(page.get_by_role("heading", name="Finalización")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Completion")
    _shots(page, screenshot, "studio-stats")
