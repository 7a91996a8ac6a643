"""The per-client limit on order-link emails (``ORDER_LINK_RATE``), for the web views."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from rest_framework import throttling

from core.api.throttling import ClientIpMixin


class OrderLinkThrottle(ClientIpMixin, throttling.SimpleRateThrottle):
    """``settings.ORDER_LINK_RATE`` ("10/hour"; "off": none) per client IP
    (``core.http.client_ip``), over "email me a new link" and "Find your order" together. Takes a
    plain Django request: ``allow_request(request, None)``, then ``wait()`` seconds."""

    scope = "order_link"

    def get_rate(self) -> str | None:
        """The rate setting, ``None`` when it is "off"."""
        rate = settings.ORDER_LINK_RATE.strip()
        return None if rate.lower() == "off" else rate

    def get_cache_key(self, request: HttpRequest, view: object) -> str:  # type: ignore[override]
        """One bucket per client IP."""
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}  # type: ignore[arg-type]
