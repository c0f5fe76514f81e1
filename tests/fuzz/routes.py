"""Which methods each URL of the project accepts, read from the views themselves: Django's
``require_http_methods`` family keeps the list in its closure, a class-based view has a method
per verb. A view with neither accepts every method."""

from __future__ import annotations

from collections.abc import Callable

from tests.test_url_matrix import ROUTES, Route

EVERY_METHOD = frozenset({"get", "head", "options", "post", "put", "patch", "delete"})
WRITES = frozenset({"post", "put", "patch", "delete"})


def allowed_methods(view: Callable) -> frozenset[str]:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return frozenset(m for m in view_class.http_method_names if hasattr(view_class, m))
    layer: Callable | None = view
    while layer is not None:
        code = getattr(layer, "__code__", None)
        closure = getattr(layer, "__closure__", None) or ()
        if code is not None:
            for name, cell in zip(code.co_freevars, closure, strict=False):
                if name == "request_method_list":
                    return frozenset(m.lower() for m in cell.cell_contents)
        layer = getattr(layer, "__wrapped__", None)
    return EVERY_METHOD


def project_routes() -> list[Route]:
    """Every URL but Django admin's (staff only, Django's own forms: see test_coverage)."""
    return [r for r in ROUTES if not r.route.startswith("admin/")]


def write_methods(name: str) -> frozenset[str]:
    route = next(r for r in ROUTES if r.name == name)
    return allowed_methods(route.pattern.callback) & WRITES


def body_routes() -> list[Route]:
    """The URLs that take a body: every one of them needs a fuzz target."""
    return [r for r in project_routes() if allowed_methods(r.pattern.callback) & WRITES]
