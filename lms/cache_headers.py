"""Pages and files that show people's records stay out of every cache.

Officers share precinct terminals: a page left in the browser's cache (or in a proxy's) can be
read back after its owner signed out. Learner pages, transcripts, certificates, the agency's
pages and CSVs, the studio, admin, the profile and allauth's account pages all come from Django
views, and so does the public verification page (it shows a name). The rule is therefore simply:
every response Django builds gets ``Cache-Control: no-store, private`` unless its view chose a
cache policy itself (the public key set, the sandboxed video files). Static files are served by
WhiteNoise above this middleware and keep their long cache.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every response that sets no Cache-Control."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
