"""Every page of the project opened with fuzzed query strings (filters, periods, sorts, pages,
``?agency=``, ``?next=``...), as a role the URL matrix lets in: never a 5xx, no redirect off
the site, and whatever a page writes (a progress row, an export's audit record) is valid.

The pages come from the resolver and their addresses from the URL matrix's cases, so a new page
is fuzzed without being listed here."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.harness import fuzz_settings, send, signed_in_cookie, snapshot, tracked_models
from tests.fuzz.queries import RAW_QUERIES, query_pairs, query_specs
from tests.fuzz.routes import allowed_methods, project_routes
from tests.fuzz.strategies import query_string, weighted
from tests.fuzz.world import FuzzWorld
from tests.test_url_matrix import Case, Redirect, Route, _cases_for, _url, signed_in

pytestmark = pytest.mark.django_db

# Who opens each page: the first of these roles the matrix lets in (a 200), else the first it
# sends somewhere (a redirect that is not the sign-in page), else the first.
PREFERENCE = (
    "learner",
    "supervisor",
    "author",
    "learner_other_agency",
    "supervisor_other_agency",
    "staff",
    "anonymous",
)
# The parameters each page reads (the others get every parameter there is), and more examples;
# documents (PDF, video) cost more to build: fewer examples.
READS = {
    "agency:dashboard": ("agency",),
    "agency:learners": ("agency", "q", "series", "status", "overdue", "sort", "page", "show"),
    "agency:learner-detail": ("agency", "back"),
    "agency:export": ("agency", "q", "series", "status", "overdue", "sort"),
    "agency:compliance": ("agency", "rule", "q", "standing", "sort", "page"),
    "agency:compliance-rule": ("agency", "rule"),
    "agency:hours": ("agency", "from", "to"),
    "agency:roster": ("agency", "from", "to", "series"),
    "agency:assignments": ("agency",),
    "agency:learner-transcript": ("agency", "from", "to"),
    "agency:learner-transcript-pdf": ("agency", "from", "to"),
    "transcript:page": ("from", "to"),
    "transcript:pdf": ("from", "to"),
    "transcript:csv": ("from", "to"),
    "toolkit:index": ("q", "folder", "category"),
    "studio:toolkit": ("q", "folder", "category", "link_status", "state"),
    "studio:component-new": ("kind",),
    "studio:component-stats": ("question", "page"),
    "account_login": ("next",),
}
SLOW = {
    "transcript:pdf",
    "agency:learner-transcript-pdf",
    "certificates:pdf",
    "courses:component-media",
    "studio:preview-media",
}
# Pages that send the browser elsewhere by design: a resource's own (outside) address.
LEAVES_SITE = {"courses:component-open"}


def opening_role(case: Case) -> str:
    for wanted in (lambda e: e == 200, lambda e: isinstance(e, Redirect)):
        for role in PREFERENCE:
            if wanted(case.expect[role]):
                return role
    return PREFERENCE[0]


def _pages() -> list:
    pages = []
    for route in project_routes():
        if "get" not in allowed_methods(route.pattern.callback):
            continue
        cases = _cases_for(route) or []
        case = next((c for c in cases if c.method == "get"), None)
        if case is None:  # not in the matrix (yet): its own test says so; opened as a learner
            assert "<" not in route.route, f"{route.key} needs a URL matrix case for its kwargs"
            case = Case(signed_in(200))
        pages.append(pytest.param(route, case, id=route.key))
    return pages


@pytest.mark.parametrize(("route", "case"), _pages())
def test_fuzzed_query(fuzz_world: FuzzWorld, route: Route, case: Case):
    """No 5xx and nothing invalid written, whatever the query string."""
    role = opening_role(case)
    user = None if role == "anonymous" else fuzz_world.matrix.users[role]
    session = signed_in_cookie(user)
    address, _ = _url(route, case, fuzz_world.matrix)
    base = snapshot(tracked_models())
    specs = query_specs()
    if route.name in READS:
        specs = [spec for spec in specs if spec.name in READS[route.name]]
    queries = weighted((4, query_pairs(specs).map(query_string)), (1, st.sampled_from(RAW_QUERIES)))

    @fuzz_settings(3 if route.name in SLOW else 15 if route.name in READS else 3)
    @given(query=queries)
    def run(query):
        send(
            key=f"GET {route.key}",
            session=session,
            method="get",
            path=f"{address}?{query}" if query else address,
            body=None,
            base=base,
            external_redirects=route.name in LEAVES_SITE,
        )

    run()
