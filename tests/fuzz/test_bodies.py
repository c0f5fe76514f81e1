"""Every endpoint that takes a body, fuzzed as the role that may use it: text, unicode, NUL
bytes, huge and negative numbers, NaN, deep nesting, missing, extra and repeated fields, wrong
types, junk files. Never a 5xx; a refusal writes nothing; what is accepted is valid (see
``harness``). The targets are listed in ``targets_*``; ``test_coverage`` fails when an endpoint
that takes a body has none."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.harness import (
    _forms_in,
    client_for,
    fuzz_settings,
    send,
    signed_in_cookie,
    snapshot,
    tracked_models,
)
from tests.fuzz.routes import write_methods
from tests.fuzz.strategies import FieldSpec
from tests.fuzz.target import Specs, Target
from tests.fuzz.targets import TARGETS
from tests.fuzz.world import FuzzWorld

pytestmark = pytest.mark.django_db


def read_fields(world: FuzzWorld, target: Target, session: str | None) -> Specs:
    """The fields of the form(s) the target's page shows, as that role sees them."""
    page = target.page(world)
    specs: Specs = []
    if page is not None:
        with transaction.atomic():
            client = client_for(session, target.host)
            if target.prepare is not None:
                target.prepare(client, world)
            response = client.get(page)
            assert response.status_code == 200, f"{target}: {page} answers {response.status_code}"
            seen: set[int] = set()
            for form in _forms_in(response):
                if id(form) in seen:
                    continue
                seen.add(id(form))
                if hasattr(form, "management_form"):
                    specs.extend(FieldSpec.from_formset(form))
                else:
                    specs.extend(FieldSpec.from_form(form))
            transaction.set_rollback(True)
        names: set[str] = set()
        specs = [s for s in specs if not (s.name in names or names.add(s.name))]  # type: ignore[func-returns-value]
    return target.fields(world, specs)


@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_fuzzed_body(fuzz_world: FuzzWorld, target: Target, settings):
    """No 5xx, no partial write, nothing invalid saved, whatever the body."""
    for name, value in target.settings.items():
        setattr(settings, name, value)
    user = None if target.role == "anonymous" else fuzz_world.user(target.role)
    session = signed_in_cookie(user)
    specs = read_fields(fuzz_world, target, session)
    methods = write_methods(target.name)
    assert methods, f"{target.name} takes no body: it needs no fuzz target"
    method = st.sampled_from(["post"] * 4 + sorted(methods - {"post"}))
    base = snapshot(tracked_models())

    @fuzz_settings(target.examples)
    @given(path=target.paths(fuzz_world), body=target.bodies(fuzz_world, specs), method=method)
    def run(path, body, method):
        send(
            key=target.key,
            session=session,
            method=method,
            path=path,
            body=body,
            base=base,
            writes=target.writes,
            refusal_writes=target.refusal_writes,
            prepare=(lambda client: target.prepare(client, fuzz_world)) if target.prepare else None,
            finish=target.finish,
            host=target.host,
        )

    run()
