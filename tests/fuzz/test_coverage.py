"""The fuzz covers the whole project, and says so: every URL that takes a body has a target,
every query-string parameter the code reads is fuzzed, and the methods read from the views are
the ones they answer. Django admin is left out on purpose: staff only, Django's own forms, and
the content models are read-only there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from tests.fuzz.queries import QUERY_FORMS, query_specs
from tests.fuzz.routes import WRITES, allowed_methods, body_routes, project_routes
from tests.fuzz.targets import TARGETS
from tests.fuzz.test_queries import opening_role
from tests.fuzz.world import FuzzWorld
from tests.test_url_matrix import _cases_for, _url

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "certificates",
    "courses",
    "lms",
    "reminders",
    "studio",
    "supervision",
    "toolkit",
)


def _sources() -> dict[Path, str]:
    return {
        path: path.read_text()
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    }


def test_every_url_that_takes_a_body_has_a_fuzz_target():
    """A new POST (or PUT...) URL without a target fails here, naming it; so does a target
    for a URL that no longer exists or no longer takes a body."""
    needed = {r.name for r in body_routes()}
    targeted = {t.name for t in TARGETS}
    assert not needed - targeted, (
        f"URLs without a fuzz target (add one): {sorted(needed - targeted)}"
    )
    assert not targeted - needed, (
        f"fuzz targets of no URL taking a body: {sorted(targeted - needed)}"
    )


def test_every_target_key_is_unique():
    keys = [t.key for t in TARGETS]
    assert len(keys) == len(set(keys))


def test_no_project_url_takes_an_unbounded_integer():
    """Ids in URLs use the bounded ``id`` converter: ``int`` lets a 30-digit number reach the
    database, which refuses it with a 500."""
    unbounded = [
        r.route
        for r in project_routes()
        if "<int:" in r.route and not r.pattern.callback.__module__.startswith("allauth.")
    ]  # allauth's own (keys/<int:pk>/) look the id up with "=", which Django bounds
    assert not unbounded, f"use <id:...> in {unbounded}"


@pytest.mark.django_db
def test_every_query_parameter_the_code_reads_is_fuzzed(fuzz_world: FuzzWorld):
    """``request.GET.get("x")``, ``request.GET["x"]`` and the fields of every form built from
    ``request.GET`` are among the fuzzed parameters."""
    read: set[str] = {"from", "to"}  # certificates.hours.period_from(request.GET)
    built: set[str] = set()
    for source in _sources().values():
        read |= set(re.findall(r'\.GET(?:\.get|\.getlist)\(\s*"([^"]+)"', source))
        read |= set(re.findall(r'\.GET\[\s*"([^"]+)"\s*\]', source))
        built |= set(re.findall(r"(\w+Form)\(\s*request\.GET", source))
    assert built == {form.__name__ for form in QUERY_FORMS}, (
        f"forms filled from the query string: {sorted(built)}; list them in QUERY_FORMS"
    )
    for form in QUERY_FORMS:
        read |= set(form.base_fields)
    fuzzed = {spec.name for spec in query_specs()}
    assert not read - fuzzed, f"query parameters read but not fuzzed: {sorted(read - fuzzed)}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "route",
    [
        r
        for r in project_routes()
        if not allowed_methods(r.pattern.callback) & WRITES
        and not hasattr(r.pattern.callback, "view_class")  # a class's methods are what it has
    ],
    ids=lambda r: r.key,
)
def test_a_function_view_said_to_take_no_body_refuses_one(fuzz_world: FuzzWorld, route):
    """What a view's decorators are read to say is what it does: a POST to a page that takes
    no body is a 405, so no URL escapes the fuzz by being misread."""
    case = next(c for c in _cases_for(route) or [] if c.method == "get")
    address, _ = _url(route, case, fuzz_world.matrix)
    role = opening_role(case)
    client = Client()
    if role != "anonymous":
        client.force_login(fuzz_world.matrix.users[role])
    assert client.post(address).status_code == 405
