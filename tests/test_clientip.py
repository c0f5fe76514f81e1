"""The client's address behind the deployment's own proxies (lms.clientip)."""

import pytest
from django.test import RequestFactory

from accounts.adapters import AccountAdapter
from lms.clientip import client_ip


def _request(remote="10.0.0.5", **headers):
    return RequestFactory().get("/", REMOTE_ADDR=remote, headers=headers)


def test_without_trusted_proxies_the_forwarding_header_is_ignored(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(X_Forwarded_For="203.0.113.7")) == "10.0.0.5"


@pytest.mark.parametrize(
    ("count", "header", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        # A client may write anything on the left: only the proxies' own entries are trusted.
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (2, "spoofed, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (1, "203.0.113.7:51000", "203.0.113.7"),
        # Shorter than the proxies stated, or not an address: the socket's peer, never a 500.
        (2, "203.0.113.7", "10.0.0.5"),
        (1, "not-an-address", "10.0.0.5"),
        (1, "", "10.0.0.5"),
    ],
)
def test_the_address_the_last_trusted_proxy_saw(settings, count, header, expected):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(X_Forwarded_For=header)) == expected


def test_a_trusted_client_header_wins_when_named(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = _request(X_Real_IP="203.0.113.8", X_Forwarded_For="198.51.100.1")
    assert client_ip(request) == "203.0.113.8"
    assert client_ip(_request(X_Real_IP="garbage")) == "10.0.0.5"


def test_allauth_limits_count_the_same_address(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = _request(X_Forwarded_For="spoof, 203.0.113.7")
    assert AccountAdapter().get_client_ip(request) == "203.0.113.7"
