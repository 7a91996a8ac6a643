"""The API's throttles, keyed on the shop's one client-IP rule (``core.http.client_ip``) rather
than DRF's reading of ``X-Forwarded-For``."""

from __future__ import annotations

from rest_framework import throttling
from rest_framework.request import Request

from core.http import client_ip


class ClientIpMixin:
    """``get_ident``: the client's address from ``core.http.client_ip`` (``""`` when unknown, one
    shared bucket)."""

    def get_ident(self, request: Request) -> str:
        return client_ip(request) or ""


class AnonRateThrottle(ClientIpMixin, throttling.AnonRateThrottle):
    """DRF's ``AnonRateThrottle`` (scope ``anon``) per client IP."""


class ScopedRateThrottle(ClientIpMixin, throttling.ScopedRateThrottle):
    """DRF's ``ScopedRateThrottle`` (the view's ``throttle_scope``): per user when logged in, per
    client IP otherwise."""
