"""The address a request came from, behind the proxies the deployment says it runs.

Behind a load balancer every request's ``REMOTE_ADDR`` is the balancer's: per-address sign-in
limits would then count the whole site as one client, and the audit log would name the balancer.
The deployment states how many proxies of its own stand in front (``LMS_TRUSTED_PROXY_COUNT``,
read from ``X-Forwarded-For`` counting from the right, where a client cannot write) or the one
header its proxy sets to the client's address (``LMS_TRUSTED_CLIENT_IP_HEADER``). allauth's rate
limits and the audit log both read the address here (allauth through ``AccountAdapter``).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _clean(value: str | None) -> str | None:
    """An address as written in a header, or None when it is not one (ports and brackets off)."""
    if not value:
        return None
    text = value.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:443
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address: from the trusted header or the trusted proxies' ``X-Forwarded-For``
    entry when the deployment names them, else the socket's peer (``REMOTE_ADDR``).

    A header that is missing, too short or not an address falls back to ``REMOTE_ADDR``: a client
    that reaches the server around its proxies is then counted under its own address, never
    under one it wrote. Never raises."""
    header = settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER
    if header:
        found = _clean(request.headers.get(header))
        if found:
            return found
    count = settings.ALLAUTH_TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("X-Forwarded-For", "")
    if count > 0 and forwarded:
        hops = [hop for hop in (part.strip() for part in forwarded.split(",")) if hop]
        if len(hops) >= count:
            found = _clean(hops[-count])
            if found:
                return found
    return _clean(request.META.get("REMOTE_ADDR")) or "0.0.0.0"  # noqa: S104  # never bound to
