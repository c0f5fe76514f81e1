from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from lms.clientip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Project hooks into allauth.

    Sign-up stays open; agency membership follows a verified email (see accounts.signals).
    """

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's per-address limits count the client behind our proxies (``lms.clientip``),
        and never refuse a request whose forwarding header is shorter than expected."""
        return client_ip(request)
