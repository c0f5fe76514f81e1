import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PROJECT_APPS = {"accounts", "courses", "toolkit", "supervision", "reminders"}


@pytest.fixture
def staff_client(client, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("seed_demo", verbosity=0)
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def _project_models():
    return [m for m in admin.site._registry if m._meta.app_label in PROJECT_APPS]


def test_every_project_model_is_in_the_admin():
    """Users, agencies, content, enrollments and progress are all administrable."""
    names = {m._meta.model_name for m in _project_models()}
    assert {
        "user",
        "agency",
        "membership",
        "resource",
        "series",
        "module",
        "component",
        "enrollment",
        "progress",
        "modulecompletion",
        "advisoryacknowledgement",
        "exportlog",
        "reminder",
    } <= names


@pytest.mark.parametrize("model", _project_models(), ids=lambda m: m._meta.label)
def test_admin_list_search_and_edit_pages_open(staff_client, model):
    """Each list page opens, with a search, and each first object's change page opens."""
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert staff_client.get(changelist).status_code == 200
    if admin.site._registry[model].search_fields:
        assert staff_client.get(changelist, {"q": "example"}).status_code == 200
    first = model.objects.first()
    if first is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
        assert staff_client.get(change).status_code == 200
    add = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    # The audit log is written by exports; course content only through courses.content.
    read_only = {"exportlog", "series", "module", "component"}
    expected = 403 if opts.model_name in read_only else 200
    assert staff_client.get(add).status_code == expected
