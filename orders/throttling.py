"""The per-client limit on order-link emails (``ORDER_LINK_RATE``), for the web views."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from rest_framework import throttling
from rest_framework.request import Request

from core.api.throttling import ClientIpMixin


class OrderLinkThrottle(ClientIpMixin, throttling.SimpleRateThrottle):
    """``settings.ORDER_LINK_RATE`` ("10/hour"; "off": none) per client IP
    (``core.http.client_ip``), over "email me a new link" and "Find your order" together. Takes a
    plain Django request: ``allow_request_from(request)``, then ``wait()`` seconds."""

    scope = "order_link"

    def get_rate(self) -> str | None:
        """The rate setting, ``None`` when it is "off"."""
        rate = settings.ORDER_LINK_RATE.strip()
        return None if rate.lower() == "off" else rate

    def get_cache_key(self, request: Request, view: object) -> str:
        """One bucket per client IP."""
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request_from(self, request: HttpRequest) -> bool:
        """``allow_request`` for a Django view's request (it reads only ``request.META``)."""
        return self.allow_request(request, None)  # type: ignore[arg-type]
