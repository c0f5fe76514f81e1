from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest

from lms.clientip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Project hooks into allauth.

    Sign-up stays open; agency membership follows a verified email (see accounts.signals).
    """

    def is_safe_url(self, url: str | None) -> bool:
        """allauth parses a ``next`` address itself before Django checks it, and Python's parser
        raises on a malformed bracketed host (``http://[\\x00::1]/``): such an address is not
        safe to go to, and the sign-in page still opens (it was a 500; found by the fuzz)."""
        try:
            return super().is_safe_url(url)
        except ValueError:
            return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's per-address limits count the client behind our proxies (``lms.clientip``),
        and never refuse a request whose forwarding header is shorter than expected."""
        return client_ip(request)


class MFAAdapter(DefaultMFAAdapter):
    """Project hooks into allauth.mfa."""

    def generate_authenticator_name(self, user: AbstractBaseUser, type: Authenticator.Type) -> str:
        """The name a new key is offered under ("Security key 1", "Security key 2", ...)."""
        count = Authenticator.objects.filter(user_id=user.pk, type=type).count()
        return f"Security key {count + 1}"
