"""What one fuzz target is: a URL that takes a body, the role that may use it, where its fields
come from, and what it may write."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.urls import reverse
from hypothesis import strategies as st

from tests.fuzz.strategies import Body, FieldSpec, form_bodies, form_pairs, weighted
from tests.fuzz.world import FuzzWorld

Specs = list[FieldSpec]


def _same(world: FuzzWorld, specs: Specs) -> Specs:
    return specs


def _nothing(world: FuzzWorld) -> list[str]:
    return []


@dataclass(frozen=True)
class Target:
    """One endpoint fuzzed as one role.

    ``path`` is the address the form posts to; ``others`` are more addresses of the same URL
    (another agency's object, an id that does not exist) sent now and then. The fields are read
    from the form the page at ``form_page`` shows (the ``path`` itself by default; None for an
    endpoint without a page of its own), then adjusted by ``fields``. ``body`` replaces the
    form-shaped bodies for endpoints that read JSON or name their fields by ids. ``writes``
    names the models (``app.Model`` or ``app.*``) an accepted request may change, and
    ``refusal_writes`` those a refusal may (a counter of wrong codes). ``prepare`` runs in each
    example's client first (a sign-in stage, a reauthentication) and may return what
    ``finish`` needs to complete the body (a code that was just emailed, a key's answer to
    the page's challenge). ``host`` is the address the client uses (WebAuthn needs a secure
    origin: localhost); ``settings`` are overridden for the target.
    """

    name: str  # the URL's name
    role: str  # a key of FuzzWorld.users, or "anonymous"
    path: Callable[[FuzzWorld], str]
    label: str = ""
    others: Callable[[FuzzWorld], list[str]] = _nothing
    form_page: Callable[[FuzzWorld], str] | bool | None = True
    fields: Callable[[FuzzWorld, Specs], Specs] = _same
    body: Callable[[FuzzWorld, Specs], st.SearchStrategy[Body]] | None = None
    extra_names: Sequence[str] = ()
    examples: int = 15
    writes: frozenset[str] | None = None
    refusal_writes: frozenset[str] = frozenset()
    prepare: Callable[[Client, FuzzWorld], Any] | None = None
    finish: Callable[[Any, Body], Body] | None = None
    host: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.name}[{self.label}]" if self.label else self.name

    def __str__(self) -> str:
        return self.key

    def page(self, world: FuzzWorld) -> str | None:
        if self.form_page is None or self.form_page is False:
            return None
        if self.form_page is True:
            return self.path(world)
        return self.form_page(world)

    def paths(self, world: FuzzWorld) -> st.SearchStrategy[str]:
        """The main address three times in four, one of the others the fourth."""
        main = st.just(self.path(world))
        others = self.others(world)
        return weighted((3, main), (1, st.sampled_from(others))) if others else main

    def bodies(self, world: FuzzWorld, specs: Specs) -> st.SearchStrategy[Body]:
        if self.body is not None:
            return self.body(world, specs)
        return form_bodies(form_pairs(specs, extra_names=self.extra_names))


def url(name: str, **kwargs: object) -> str:
    return reverse(name, kwargs=kwargs or None)


def huge(name: str, key: str) -> str:
    """The URL with an id of 30 digits: more than any key holds (the resolver refuses it)."""
    return reverse(name, kwargs={key: 1}).replace("/1/", "/" + "9" * 30 + "/")


def writes(*labels: str) -> frozenset[str]:
    return frozenset(labels)
