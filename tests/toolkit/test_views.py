"""The resource toolkit page: listing, search and filters."""

import pytest

from tests import factories
from toolkit.models import Resource


@pytest.fixture
def resources(db) -> dict[str, Resource]:
    make = factories.ResourceFactory
    return {
        "fact": make(
            title="What is CSAM?",
            source="NCMEC",
            description="A fact sheet for law enforcement.",
            folder=Resource.Folder.CSAM,
            category=Resource.Category.FACT_SHEETS,
        ),
        "coping": make(
            title="Coping with CSAM Exposure",
            source="NCMEC",
            description="Wellness for investigators.",
            folder=Resource.Folder.CSAM,
            category=Resource.Category.SURVIVOR_CARE,
        ),
        "protocol": make(
            title="Multidisciplinary Response Protocol",
            source="National Children's Alliance",
            description="Building a team response to child sex trafficking.",
            folder=Resource.Folder.TRAFFICKING,
            category=Resource.Category.PROTOCOL_DEVELOPMENT,
        ),
        "retired": make(
            title="Retired Research Brief",
            source="Old Institute",
            description="No longer listed.",
            folder=Resource.Folder.CSAM,
            category=Resource.Category.RESEARCH,
            is_active=False,
        ),
    }


def _titles(response, resources: dict[str, Resource]) -> set[str]:
    return {key for key, r in resources.items() if r.title.encode() in response.content}


def test_toolkit_lists_listed_resources_by_folder_and_category(learner_client, resources):
    """Every listed resource appears under its folder and category headings; retired ones do not."""
    response = learner_client.get("/toolkit/")
    assert response.status_code == 200
    assert _titles(response, resources) == {"fact", "coping", "protocol"}
    for heading in (
        b"Child Sexual Abuse Material",
        b"Child Sex Trafficking",
        b"Fact Sheets",
        b"Survivor Care",
        b"Protocol Development",
    ):
        assert heading in response.content
    assert b"Research</h3>" not in response.content
    assert b"found." not in response.content  # no search, no result count


def test_toolkit_links_open_the_publisher_site_in_a_new_tab(learner_client, resources):
    """Resource links go to the stored URL with noopener."""
    response = learner_client.get("/toolkit/")
    url = resources["fact"].url
    assert f'<a href="{url}" target="_blank" rel="noopener noreferrer"'.encode() in response.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("coping", {"coping"}),  # title
        ("wellness", {"coping"}),  # description
        ("alliance", {"protocol"}),  # source
        ("ncmec csam", {"fact", "coping"}),  # every word must match
        ("ncmec trafficking", set()),
        ("retired", set()),  # retired resources are never found
    ],
)
def test_toolkit_search_matches_title_description_and_source(
    learner_client, resources, query, expected
):
    """Search words match title, description or source, case-insensitively, all of them."""
    response = learner_client.get("/toolkit/", {"q": query})
    assert response.status_code == 200
    assert _titles(response, resources) == expected
    count = len(expected)
    assert f"{count} resource{'s' if count != 1 else ''} found.".encode() in response.content


def test_toolkit_search_without_match_says_so(learner_client, resources):
    """A search that matches nothing offers to show everything."""
    response = learner_client.get("/toolkit/", {"q": "nothing-like-this"})
    assert b"No resources match your search." in response.content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"folder": "trafficking"}, {"protocol"}),
        ({"folder": "csam"}, {"fact", "coping"}),
        ({"category": "survivor_care"}, {"coping"}),
        ({"folder": "csam", "category": "fact_sheets"}, {"fact"}),
        ({"folder": "trafficking", "category": "fact_sheets"}, set()),
        ({"q": "csam", "category": "survivor_care"}, {"coping"}),
    ],
)
def test_toolkit_filters_by_folder_and_category(learner_client, resources, params, expected):
    """Folder and category filters narrow the list, alone or with search words."""
    response = learner_client.get("/toolkit/", params)
    assert response.status_code == 200
    assert _titles(response, resources) == expected


def test_toolkit_ignores_an_unknown_filter_value(learner_client, resources):
    """An unknown folder is not an error: the page shows the whole toolkit."""
    response = learner_client.get("/toolkit/", {"folder": "nonsense"})
    assert response.status_code == 200
    assert _titles(response, resources) == {"fact", "coping", "protocol"}


def test_toolkit_escapes_resource_text(learner_client, db):
    """Text from the toolkit data is escaped, never rendered as markup."""
    factories.ResourceFactory(title="<script>alert(1)</script>", description="<b>bold</b>")
    response = learner_client.get("/toolkit/")
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
    assert b"<b>bold</b>" not in response.content


def test_toolkit_requires_sign_in(client, resources):
    """Anonymous visitors are sent to sign in, keeping the search."""
    response = client.get("/toolkit/", {"category": "survivor_care"})
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/toolkit/%3Fcategory%3Dsurvivor_care"


def test_the_toolkit_page_refuses_a_post(client, learner):
    """A page that takes no body says so (405), like every other page of the site."""
    client.force_login(learner)
    assert client.post("/toolkit/", {"q": "csam"}).status_code == 405
