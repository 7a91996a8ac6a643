"""Request helpers shared by web and API views."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request


def _clean_ip(value: str) -> str | None:
    """``value`` as a normalised IP address (``"2001:db8::1"``, ``"203.0.113.7"``), or ``None``
    when it is not one."""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | Request) -> str | None:
    """The client's IP address, or ``None`` when unknown; ``request`` is a Django or a DRF request.

    With ``settings.TRUSTED_PROXY_COUNT`` = n > 0 (the shop runs behind n reverse proxies that each
    append the address they saw to ``X-Forwarded-For``, as nginx's ``$proxy_add_x_forwarded_for``
    does), the client is the n-th address from the *right* of that header: everything to its left
    was written by the client and may be forged. With 0 (no proxy, the embedded default), or when
    the header is missing or shorter than n, it is ``REMOTE_ADDR``.

    The one resolver: allauth's rate limits (``accounts.adapter``), the API's throttles
    (``REST_FRAMEWORK["NUM_PROXIES"]``, the same rule), the shop's own limits and the IP recorded
    on payments all use it."""
    meta = request.META
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = [hop for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if proxies > 0 and len(forwarded) >= proxies:
        return _clean_ip(forwarded[-proxies])
    remote = meta.get("REMOTE_ADDR")
    return _clean_ip(remote) if remote else None
