"""Middleware of the whole site."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

FORM_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})


class FormBodyFirstMiddleware:
    """Read a form body before any view runs, so one the server cannot read (a multipart body
    without its boundary, past the size or field-count limits, not UTF-8) is a 400 before
    anything is done, never halfway through a view that has acted already (allauth's email
    confirmation confirmed the address, then failed reading the body: a 400 that had written).

    Django reads the body lazily, on the first ``request.POST``; the error it raises there is a
    ``BadRequest`` (or a ``SuspiciousOperation``), which Django answers with a 400.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("POST", "PUT", "PATCH") and request.content_type in FORM_TYPES:
            request.POST  # noqa: B018  # parsed here: any error is the client's, a 400
        return self.get_response(request)
