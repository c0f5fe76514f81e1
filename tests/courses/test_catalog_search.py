"""The catalog's search box (GET ?q=, server-side, no script)."""

import pytest
from django.utils import timezone

from courses.models import Module, Series
from tests import factories
from tests.courses.test_pages_queries import CATALOGUE, _enrol_in_many_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(series):
    """The fixture series (module titles: factories'), and two more."""
    first = series.modules.get(slug="first-contact")
    first.title = "Making First Contact"
    first.save()
    interviews = factories.SeriesFactory(
        slug="forensic-interviews",
        title="Forensic Interviews",
        summary="Talking with children after disclosure.",
        provider="National Children's Alliance",
    )
    factories.ModuleFactory(series=interviews, slug="rapport", title="Building rapport")
    archived_module = factories.ModuleFactory(
        series=interviews, slug="old", title="Polygraph basics", position=2
    )
    Module.objects.filter(pk=archived_module.pk).update(archived_at=timezone.now())
    factories.SeriesFactory(slug="draft-one", title="Forensic draft", status=Series.Status.DRAFT)
    return series, interviews


def _titles(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_search_box_is_a_plain_get_form(learner_client, catalog):
    """The page carries a labelled search field in a GET form to /series/."""
    page = _titles(learner_client.get("/series/"))
    assert 'method="get" action="/series/"' in page
    assert 'name="q"' in page
    assert "Search the catalog" in page


def test_search_matches_title_summary_provider_and_module_titles(learner_client, catalog):
    """Each word may match a title, the summary, the provider or a live module's title."""
    survivors, interviews = catalog
    for query, found, missing in [
        ("forensic", interviews, survivors),  # title (the draft is never listed)
        ("disclosure", interviews, survivors),  # summary
        ("alliance", interviews, survivors),  # provider
        ("rapport", interviews, survivors),  # module title
        ("first contact", survivors, interviews),  # module title, two words
        ("SURVIVORS", survivors, interviews),  # case-insensitive
    ]:
        page = _titles(learner_client.get("/series/", {"q": query}))
        assert found.title in page, query
        assert missing.title not in page, query
        assert "Forensic draft" not in page


def test_every_word_must_match(learner_client, catalog):
    """Words narrow the search: “forensic survivors” finds neither series."""
    page = _titles(learner_client.get("/series/", {"q": "forensic survivors"}))
    assert "card-series" not in page
    assert "No series matches “forensic survivors”" in page
    assert 'href="/series/">Clear the search' in page


def test_archived_modules_do_not_match(learner_client, catalog):
    """A word only in an archived module's title finds nothing."""
    page = _titles(learner_client.get("/series/", {"q": "polygraph"}))
    assert "card-series" not in page


def test_result_count_and_clear_link(learner_client, catalog):
    """A search says how many series it found and how to show them all again."""
    page = _titles(learner_client.get("/series/", {"q": "forensic"}))
    assert "1 series match “forensic”." in page
    assert 'value="forensic"' in page
    assert "Show every series" in page


def test_too_long_search_says_why_and_shows_everything(learner_client, catalog):
    """A search past 200 characters is refused with a message, the page still answers."""
    survivors, interviews = catalog
    page = _titles(learner_client.get("/series/", {"q": "a" * 5000}))
    assert "Search for up to 200 characters" in page
    assert survivors.title in page and interviews.title in page
    assert "Showing every series." in page


@pytest.mark.parametrize(
    "query",
    ["%", "_", "' OR 1=1 --", "<script>alert(1)</script>", "\\", "é ü ß 漢字", "  ", "a\tb"],
)
def test_odd_characters_are_searched_literally(learner_client, catalog, query):
    """Wildcards, quotes and markup are text: no error, nothing injected, nothing matched
    by a wildcard."""
    page = _titles(learner_client.get("/series/", {"q": query}))
    assert "<script>alert(1)</script>" not in page
    if query.strip() in ("%", "_", "\\", "' OR 1=1 --", "é ü ß 漢字"):
        assert "card-series" not in page


def test_null_character_is_refused_with_a_message(learner_client, catalog):
    """A null character cannot be stored or searched: a message, the whole catalog."""
    page = _titles(learner_client.get("/series/?q=a%00b"))
    assert "Null characters are not allowed" in page
    assert "card-series" in page


@pytest.mark.parametrize("series_count", [1, 20])
def test_search_queries_do_not_grow_with_series(
    learner_client, learner, django_assert_max_num_queries, series_count
):
    """A search costs the same fixed number of queries as the plain catalog."""
    _enrol_in_many_series(learner, series_count)
    with django_assert_max_num_queries(CATALOGUE):
        response = learner_client.get("/series/", {"q": "series module"})
    assert response.status_code == 200
