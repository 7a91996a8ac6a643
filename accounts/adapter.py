"""The shop's allauth account adapter (``settings.ACCOUNT_ADAPTER``)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from core.http import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """allauth's adapter with the shop's client-IP rule, so its "per IP" rate limits (login,
    failed logins, signup, password reset) count each shopper behind the reverse proxy on their
    own, not the proxy's one address for everybody."""

    def get_client_ip(self, request: HttpRequest) -> str:
        """The client's address (``core.http.client_ip``); raises ``PermissionDenied`` when there is
        none, as allauth's own does."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip
