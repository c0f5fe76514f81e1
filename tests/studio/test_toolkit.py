"""The studio's toolkit pages: authors add, edit, retire, restore and check toolkit resources.

The link check never reaches the internet: queued checks are captured, and the ones run are
answered by a stand-in for ``toolkit.linkcheck.check_url``.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from courses import services as course_services
from courses.models import Component
from tests import factories
from toolkit import linkcheck, services
from toolkit.linkcheck import LinkResult
from toolkit.models import Resource

pytestmark = pytest.mark.django_db

Status = Resource.LinkStatus
TOOLKIT = "/studio/toolkit/"
NEW = TOOLKIT + "new/"


def _edit(resource: Resource) -> str:
    return f"{TOOLKIT}{resource.pk}/edit/"


def _action(resource: Resource, action: str) -> str:
    return f"{TOOLKIT}{resource.pk}/{action}/"


def _row(resource: Resource) -> str:
    return f"{TOOLKIT}#resource-{resource.pk}"


def _form_data(**overrides: str) -> dict[str, str]:
    return {
        "title": "Sextortion: A Guide for Caregivers",
        "url": "https://publisher.example.org/sextortion-guide.pdf",
        "source": "NCMEC",
        "description": "What caregivers can do when a child is threatened online.",
        "folder": Resource.Folder.CSAM,
        "category": Resource.Category.FACT_SHEETS,
        **overrides,
    }


class FakeCheck:
    """Stands in for ``linkcheck.check_url``: answers with ``result`` and notes each URL."""

    def __init__(self, result: LinkResult) -> None:
        self.result = result
        self.urls: list[str] = []

    def __call__(self, url: str, *, timeout: float) -> LinkResult:
        self.urls.append(url)
        return self.result


@pytest.fixture
def fake_check(monkeypatch: pytest.MonkeyPatch) -> FakeCheck:
    fake = FakeCheck(LinkResult(Status.OK, 200, "", ""))
    monkeypatch.setattr(linkcheck, "check_url", fake)
    return fake


@pytest.fixture
def checked_broken(db) -> Resource:
    """A listed resource whose last check found it broken, after a redirect."""
    return factories.ResourceFactory(
        title="Coping with CSAM Exposure",
        url="https://old.example.org/coping",
        link_status=Status.BROKEN,
        link_http_status=404,
        link_final_url="https://old.example.org/gone",
        link_error="HTTP 404: Not Found",
        link_checked_at=timezone.now() - timedelta(hours=3),
    )


@pytest.fixture
def learner_client(learner):
    client = Client()
    client.force_login(learner)
    return client


def _series_using(resource: Resource) -> Component:
    """A published one-module series whose only component opens ``resource``."""
    module = factories.ModuleFactory(position=1)
    return factories.ComponentFactory(
        module=module, kind=Component.Kind.RESOURCE, resource=resource, body="", position=1
    )


def _component_url(component: Component) -> str:
    module = component.module
    return f"/series/{module.series.slug}/{module.slug}/{component.slug}/"


# --- Adding -------------------------------------------------------------------------------------


def test_author_adds_a_resource_with_a_slug_from_the_title_and_its_link_checked_after_commit(
    author_client, fake_check, django_capture_on_commit_callbacks
):
    """The new resource is listed, unchecked; its check runs once the save is committed."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = author_client.post(NEW, _form_data())
        assert fake_check.urls == []  # not from inside the transaction
    resource = Resource.objects.get()
    assert response.status_code == 302 and response["Location"] == _row(resource)
    assert resource.slug == "sextortion-a-guide-for-caregivers"
    assert (resource.title, resource.source, resource.folder, resource.category) == (
        "Sextortion: A Guide for Caregivers",
        "NCMEC",
        "csam",
        "fact_sheets",
    )
    assert resource.is_active
    assert len(callbacks) == 1
    assert fake_check.urls == ["https://publisher.example.org/sextortion-guide.pdf"]
    assert resource.link_status == Status.OK and resource.link_checked_at is not None


def test_added_resource_appears_on_the_learners_toolkit_page(author_client, learner_client):
    author_client.post(NEW, _form_data())
    assert "Sextortion: A Guide for Caregivers" in learner_client.get("/toolkit/").content.decode()


def test_author_is_told_the_resource_was_added(author_client):
    response = author_client.post(NEW, _form_data(), follow=True)
    assert "added to the toolkit" in response.content.decode()


def test_a_title_used_before_gets_a_numbered_slug(db):
    """Slugs stay unique: the second resource with the same title gets “-2”."""
    first = services.resource_create(**_form_data())
    second = services.resource_create(**_form_data(url="https://publisher.example.org/v2.pdf"))
    assert (first.slug, second.slug) == (
        "sextortion-a-guide-for-caregivers",
        "sextortion-a-guide-for-caregivers-2",
    )


def test_a_slug_given_is_kept(author_client):
    author_client.post(NEW, _form_data(slug="caregiver-guide"))
    assert Resource.objects.get().slug == "caregiver-guide"


def test_a_url_without_scheme_is_taken_as_https(author_client):
    author_client.post(NEW, _form_data(url="www.ncmec.org/caregivers"))
    assert Resource.objects.get().url == "https://www.ncmec.org/caregivers"


# --- Bad input ----------------------------------------------------------------------------------

BAD_INPUT = [
    pytest.param("title", "", "This field is required.", id="empty-title"),
    pytest.param("url", "not a web address", "Enter a valid URL.", id="invalid-url"),
    pytest.param("url", "", "This field is required.", id="empty-url"),
    pytest.param("folder", "nowhere", "Select a valid choice.", id="unknown-folder"),
    pytest.param("category", "gossip", "Select a valid choice.", id="unknown-category"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT)
def test_bad_input_to_a_new_resource_is_refused_with_nothing_saved(
    author_client, django_capture_on_commit_callbacks, field, value, message
):
    """The form comes back naming the field, with what was typed kept; nothing is saved."""
    data = _form_data(**{field: value})
    with django_capture_on_commit_callbacks() as callbacks:
        response = author_client.post(NEW, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in form.errors[field][0]
    assert not Resource.objects.exists() and callbacks == []
    body = response.content.decode()
    assert "Nothing was saved" in body
    # What was typed is kept.
    assert "What caregivers can do when a child is threatened online." in body
    assert "https://publisher.example.org/sextortion-guide.pdf" in body or field == "url"


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT)
def test_bad_input_to_an_edit_is_refused_with_nothing_saved(
    author_client, checked_broken, django_capture_on_commit_callbacks, field, value, message
):
    before = Resource.objects.values().get(pk=checked_broken.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        response = author_client.post(_edit(checked_broken), _form_data(**{field: value}))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert Resource.objects.values().get(pk=checked_broken.pk) == before
    assert callbacks == []
    # The side panel still describes the stored link, not the refused input.
    assert "HTTP 404: Not Found" in response.content.decode()


def test_a_slug_taken_is_refused_naming_the_field(author_client):
    factories.ResourceFactory(slug="caregiver-guide")
    response = author_client.post(NEW, _form_data(slug="caregiver-guide"))
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["slug"][0]
    assert Resource.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("folder", "nowhere"), ("category", "gossip"), ("url", "javascript:alert(1)"), ("title", "")],
)
def test_the_create_service_refuses_bad_input_naming_the_field(
    db, django_capture_on_commit_callbacks, field, value
):
    """The service validates on its own, whoever calls it; nothing saved, nothing queued."""
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as info:
        services.resource_create(**_form_data(**{field: value}))
    assert field in info.value.message_dict
    assert not Resource.objects.exists() and callbacks == []


def test_the_update_service_refuses_bad_input_and_keeps_the_stored_row(
    checked_broken, django_capture_on_commit_callbacks
):
    before = Resource.objects.values().get(pk=checked_broken.pk)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as info:
        services.resource_update(resource=checked_broken, url="not a url", folder="nowhere")
    assert set(info.value.message_dict) == {"url", "folder"}
    assert Resource.objects.values().get(pk=checked_broken.pk) == before
    assert callbacks == []


def test_the_update_service_refuses_fields_it_does_not_edit(checked_broken):
    with pytest.raises(ValueError, match="slug"):
        services.resource_update(resource=checked_broken, slug="new-slug")


# --- Editing ------------------------------------------------------------------------------------


def test_changing_the_url_resets_the_link_status_and_queues_a_check(
    author_client, checked_broken, fake_check, django_capture_on_commit_callbacks
):
    """Status back to unchecked, the last check's details cleared; the new URL checked after
    commit."""
    new_url = "https://new.example.org/coping"
    with django_capture_on_commit_callbacks() as callbacks:
        response = author_client.post(
            _edit(checked_broken), _form_data(title="Coping with CSAM Exposure", url=new_url)
        )
    assert response.status_code == 302 and response["Location"] == _row(checked_broken)
    resource = Resource.objects.get(pk=checked_broken.pk)
    assert resource.url == new_url
    assert (
        resource.link_status,
        resource.link_http_status,
        resource.link_final_url,
        resource.link_error,
        resource.link_checked_at,
    ) == (Status.UNCHECKED, None, "", "", None)
    assert len(callbacks) == 1 and fake_check.urls == []

    callbacks[0]()  # the commit happens: the worker checks the new URL
    resource.refresh_from_db()
    assert fake_check.urls == [new_url]
    assert (resource.link_status, resource.link_http_status) == (Status.OK, 200)


def test_author_is_told_the_new_link_will_be_checked(author_client, checked_broken):
    response = author_client.post(
        _edit(checked_broken), _form_data(url="https://new.example.org/coping"), follow=True
    )
    assert "Its new link is not checked yet" in response.content.decode()


def test_editing_without_changing_the_url_keeps_the_link_status_and_queues_nothing(
    author_client, checked_broken, django_capture_on_commit_callbacks
):
    data = _form_data(title="Coping with CSAM Exposure (2024)", url=checked_broken.url)
    with django_capture_on_commit_callbacks() as callbacks:
        author_client.post(_edit(checked_broken), data)
    resource = Resource.objects.get(pk=checked_broken.pk)
    assert resource.title == "Coping with CSAM Exposure (2024)"
    assert (resource.link_status, resource.link_http_status, resource.link_error) == (
        Status.BROKEN,
        404,
        "HTTP 404: Not Found",
    )
    assert callbacks == []


def test_an_edit_does_not_undo_a_check_that_finished_meanwhile(checked_broken):
    """The author's page was loaded before the check; saving it writes only the author's fields."""
    stale = Resource.objects.get(pk=checked_broken.pk)
    Resource.objects.filter(pk=checked_broken.pk).update(
        link_status=Status.OK, link_http_status=200, link_error="", link_final_url=""
    )
    services.resource_update(resource=stale, title="Coping with CSAM Exposure (2024)")
    resource = Resource.objects.get(pk=checked_broken.pk)
    assert (resource.title, resource.link_status) == ("Coping with CSAM Exposure (2024)", "ok")


def test_the_slug_cannot_be_changed_by_editing(author_client, checked_broken):
    """Course imports name resources by slug: the edit form has no slug, and one posted is
    ignored."""
    slug = checked_broken.slug
    response = author_client.get(_edit(checked_broken))
    assert "slug" not in response.context["form"].fields
    author_client.post(_edit(checked_broken), _form_data(slug="something-else"))
    assert Resource.objects.get(pk=checked_broken.pk).slug == slug


def test_the_edit_page_shows_the_link_and_the_components_using_it(author_client, checked_broken):
    component = _series_using(checked_broken)
    body = author_client.get(_edit(checked_broken)).content.decode()
    assert "HTTP 404: Not Found" in body and "https://old.example.org/gone" in body
    assert component.title in body and component.module.series.title in body


def test_an_unknown_resource_is_404(author_client):
    assert author_client.get(f"{TOOLKIT}999999/edit/").status_code == 404
    assert author_client.post(f"{TOOLKIT}999999/retire/").status_code == 404


# --- Retiring and restoring ---------------------------------------------------------------------


def test_a_retired_resource_leaves_the_toolkit_but_its_component_still_opens_it(
    author_client, learner_client, learner, django_capture_on_commit_callbacks
):
    resource = factories.ResourceFactory(title="Support for Survivors and Their Families")
    component = _series_using(resource)
    course_services.enrollment_create(user=learner, series=component.module.series)
    assert resource.title in learner_client.get("/toolkit/").content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        response = author_client.post(_action(resource, "retire"))
    assert response.status_code == 302 and response["Location"] == _row(resource)
    assert not Resource.objects.get(pk=resource.pk).is_active
    assert callbacks == []  # retired links are not checked

    assert resource.title not in learner_client.get("/toolkit/").content.decode()
    page = learner_client.get(_component_url(component))
    assert page.status_code == 200 and resource.title in page.content.decode()
    opened = learner_client.get(_component_url(component) + "open/")
    assert opened.status_code == 302 and opened["Location"] == resource.url


def test_author_is_told_the_components_still_open_a_retired_resource(author_client):
    resource = factories.ResourceFactory()
    _series_using(resource)
    response = author_client.post(_action(resource, "retire"), follow=True)
    body = response.content.decode()
    assert "learners no longer see it in the toolkit" in body
    assert "The course component that uses it still opens it." in body


def test_a_retired_resource_stays_in_the_studio_with_a_restore_button(author_client):
    resource = factories.ResourceFactory(title="Old Research Brief", is_active=False)
    body = author_client.get(TOOLKIT).content.decode()
    assert "Old Research Brief" in body and "Retired" in body
    assert f'action="{_action(resource, "restore")}"' in body
    assert f'action="{_action(resource, "retire")}"' not in body


def test_a_restored_resource_is_listed_again_and_its_link_checked(
    author_client, learner_client, fake_check, django_capture_on_commit_callbacks
):
    """Retired links were not checked daily: restoring one checks it after commit."""
    resource = factories.ResourceFactory(title="Old Research Brief", is_active=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = author_client.post(_action(resource, "restore"))
    assert response["Location"] == _row(resource)
    assert Resource.objects.get(pk=resource.pk).is_active
    assert len(callbacks) == 1 and fake_check.urls == [resource.url]
    assert "Old Research Brief" in learner_client.get("/toolkit/").content.decode()


def test_retiring_twice_or_restoring_a_listed_resource_changes_nothing(
    author_client, django_capture_on_commit_callbacks
):
    resource = factories.ResourceFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        response = author_client.post(_action(resource, "restore"), follow=True)
    assert "already listed" in response.content.decode() and callbacks == []
    author_client.post(_action(resource, "retire"))
    response = author_client.post(_action(resource, "retire"), follow=True)
    assert "already retired" in response.content.decode()
    assert not Resource.objects.get(pk=resource.pk).is_active


# --- Checking now -------------------------------------------------------------------------------


def test_check_now_runs_after_commit_and_says_so(
    author_client, fake_check, django_capture_on_commit_callbacks
):
    resource = factories.ResourceFactory(url="https://publisher.example.org/moved")
    fake_check.result = LinkResult(
        Status.BROKEN, 404, "https://publisher.example.org/gone", "HTTP 404: Not Found"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = author_client.post(_action(resource, "check"), follow=True)
        assert fake_check.urls == []
    assert len(callbacks) == 1 and fake_check.urls == [resource.url]
    assert response.redirect_chain == [(_row(resource), 302)]
    assert "is being checked now" in response.content.decode()
    resource.refresh_from_db()
    assert (resource.link_status, resource.link_http_status, resource.link_final_url) == (
        Status.BROKEN,
        404,
        "https://publisher.example.org/gone",
    )


def test_a_retired_resource_is_not_checked(author_client, django_capture_on_commit_callbacks):
    resource = factories.ResourceFactory(is_active=False)
    with django_capture_on_commit_callbacks() as callbacks:
        response = author_client.post(_action(resource, "check"), follow=True)
    assert callbacks == []
    assert "restore it first" in response.content.decode()


# --- The toolkit page ---------------------------------------------------------------------------


def test_broken_links_come_first_with_their_details(author_client, checked_broken):
    """Status, error, when it was checked and where the redirect ended; retired ones not there."""
    refused = factories.ResourceFactory(
        title="Kid Smartz Tips",
        link_status=Status.BROKEN,
        link_error="Connection refused",
        link_checked_at=timezone.now() - timedelta(days=1),
    )
    factories.ResourceFactory(
        title="Retired and Broken", is_active=False, link_status=Status.BROKEN
    )
    factories.ResourceFactory(title="Working Fact Sheet", link_status=Status.OK)
    body = author_client.get(TOOLKIT).content.decode()

    start = body.index('id="broken-links"')
    broken = body[start : body.index("</section>", start)]
    assert body.index("Broken links") < body.index("Child Sexual Abuse Material")
    # The latest check first, as broken_links() orders them.
    assert broken.index(checked_broken.title) < broken.index(refused.title)
    assert "404" in broken and "HTTP 404: Not Found" in broken
    assert "https://old.example.org/gone" in broken  # the final URL of the redirect
    checked = timezone.localtime(checked_broken.link_checked_at)
    assert checked.strftime("%H:%M") in broken and str(checked.day) in broken
    assert "Connection refused" in broken and "no answer" in broken
    assert "Retired and Broken" not in broken and "Working Fact Sheet" not in broken
    assert "Retired and Broken" in body and "Working Fact Sheet" in body


def test_every_resource_has_its_link_status_badge(author_client):
    colours = {
        "unchecked": "secondary",
        "ok": "success",
        "redirected": "info",
        "broken": "danger",
        "internal": "warning",
    }
    resources = {status: factories.ResourceFactory(link_status=status) for status in Status}
    body = author_client.get(TOOLKIT).content.decode()
    for status, resource in resources.items():
        row = body[body.index(f'id="resource-{resource.pk}"') :]
        row = row[: row.index("</tr>")]
        assert f'<span class="badge text-bg-{colours[status]}">{status.label}</span>' in row


def test_internal_link_shows_authors_why_it_was_not_checked(author_client):
    """An internal address reads "Not checked: internal address" with the reason and advice."""
    resource = factories.ResourceFactory(
        link_status=Status.INTERNAL,
        link_error="Not checked: intranet.example is an internal address (10.0.0.1)",
        link_checked_at=timezone.now(),
    )
    body = author_client.get(TOOLKIT).content.decode()
    row = body[body.index(f'id="resource-{resource.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "Not checked: internal address" in row
    assert "intranet.example is an internal address (10.0.0.1)" in row
    assert "private or internal network" in row
    assert "No broken links" in body


def test_no_broken_links_says_so(author_client):
    factories.ResourceFactory(link_status=Status.OK)
    assert "No broken links" in author_client.get(TOOLKIT).content.decode()


def test_search_and_filters_narrow_the_list(author_client):
    factories.ResourceFactory(title="Sextortion Guide", folder=Resource.Folder.CSAM)
    factories.ResourceFactory(
        title="Trafficking Protocol",
        folder=Resource.Folder.TRAFFICKING,
        category=Resource.Category.PROTOCOL_DEVELOPMENT,
    )
    factories.ResourceFactory(title="Retired Sextortion Brief", is_active=False)

    def titles(**query: str) -> set[str]:
        body = author_client.get(TOOLKIT, query).content.decode()
        names = ("Sextortion Guide", "Trafficking Protocol", "Retired Sextortion Brief")
        return {name for name in names if name in body}

    assert titles() == {"Sextortion Guide", "Trafficking Protocol", "Retired Sextortion Brief"}
    assert titles(q="sextortion") == {"Sextortion Guide", "Retired Sextortion Brief"}
    assert titles(folder="trafficking") == {"Trafficking Protocol"}
    assert titles(category="protocol_development") == {"Trafficking Protocol"}
    assert titles(state="retired") == {"Retired Sextortion Brief"}
    assert titles(q="sextortion", state="listed") == {"Sextortion Guide"}


def test_the_studio_index_links_to_the_toolkit_pages(author_client):
    body = author_client.get("/studio/").content.decode()
    assert f'href="{TOOLKIT}"' in body
    assert f'href="{NEW}"' in author_client.get(TOOLKIT).content.decode()


# --- Who gets in --------------------------------------------------------------------------------

PAGES = ["toolkit", "new", "edit"]
ACTIONS = ["retire", "restore", "check"]


def _url(name: str, resource: Resource) -> str:
    return {"toolkit": TOOLKIT, "new": NEW, "edit": _edit(resource)}.get(name) or _action(
        resource, name
    )


@pytest.fixture
def resource(db) -> Resource:
    return factories.ResourceFactory(title="Sextortion Fact Sheet")


@pytest.mark.parametrize("role", ["learner", "supervisor"])
@pytest.mark.parametrize("name", PAGES + ACTIONS)
def test_learners_and_supervisors_are_refused(
    client, agency, resource, django_capture_on_commit_callbacks, role, name
):
    """403 on every page and action; a refused POST changes nothing and queues nothing."""
    user = factories.learner_of(agency) if role == "learner" else factories.supervisor_of(agency)
    client.force_login(user)
    before = Resource.objects.values().get(pk=resource.pk)
    url = _url(name, resource)
    if name in PAGES:
        assert client.get(url).status_code == 403
    with django_capture_on_commit_callbacks() as callbacks:
        if name != "toolkit":  # the list is only ever read
            response = client.post(url, _form_data(url="https://else.example.org/"))
            assert response.status_code == 403
    assert Resource.objects.values().get(pk=resource.pk) == before
    assert Resource.objects.count() == 1 and callbacks == []


@pytest.mark.parametrize("name", PAGES + ACTIONS)
def test_anonymous_users_are_sent_to_sign_in(client, resource, name):
    url = _url(name, resource)
    method = client.get if name in PAGES else client.post
    response = method(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
    assert Resource.objects.get(pk=resource.pk).is_active


def test_staff_get_in(client, resource):
    client.force_login(factories.UserFactory(is_staff=True))
    assert client.get(TOOLKIT).status_code == 200


@pytest.mark.parametrize("name", ACTIONS)
def test_post_only_actions_refuse_get(author_client, resource, name):
    """A link or a prefetch changes nothing: 405."""
    assert author_client.get(_action(resource, name)).status_code == 405
    assert Resource.objects.get(pk=resource.pk).is_active


def test_with_mfa_required_an_author_without_it_is_sent_to_set_it_up(author_client, settings):
    settings.LMS_REQUIRE_MFA = True
    response = author_client.get(TOOLKIT)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"
