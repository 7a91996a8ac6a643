"""Request helpers shared by web and API views."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.request import Request


def client_ip(request: HttpRequest | Request) -> str | None:
    """The client's IP address as the server saw it (``REMOTE_ADDR``), or ``None`` when unknown;
    ``request`` is a Django or a DRF request.

    Behind a reverse proxy this is the proxy's address; trusting ``X-Forwarded-For`` from known
    proxies is issue 12's work."""
    return request.META.get("REMOTE_ADDR")
