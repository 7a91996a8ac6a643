"""The API's throttles, keyed on the shop's one client-IP rule (``core.http.client_ip``) rather
than DRF's reading of ``X-Forwarded-For``."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
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


class PhotoSearchThrottle(ClientIpMixin, throttling.SimpleRateThrottle):
    """Find by photo's limit, ``settings.PHOTO_SEARCH_RATE`` ("20/min"; "off": none), for the
    API's upload and the HTML form alike (it takes a DRF or a plain Django request).

    A request counts against every key it carries, and is refused once any of them is spent:
    the logged-in user, the session, and the client IP (``core.http.client_ip``), so neither
    logging in, nor dropping the cookie, nor forging ``X-Forwarded-For`` buys more searches."""

    scope = "photo_search"

    def get_rate(self) -> str | None:
        """The rate setting, ``None`` when it is "off"."""
        rate = settings.PHOTO_SEARCH_RATE.strip()
        return None if rate.lower() == "off" else rate

    def get_cache_key(self, request: Request, view: object) -> str | None:
        """The IP key (DRF's one-key interface; ``allow_request`` uses ``_cache_keys``)."""
        return self.cache_format % {"scope": self.scope, "ident": f"ip:{self.get_ident(request)}"}

    def _cache_keys(self, request: Request | HttpRequest) -> list[str]:
        idents = [f"ip:{client_ip(request) or ''}"]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            idents.append(f"user:{user.pk}")
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            idents.append(f"session:{session.session_key}")
        return [self.cache_format % {"scope": self.scope, "ident": ident} for ident in idents]

    def allow_request(self, request: Request | HttpRequest, view: object) -> bool:
        """``True`` and one more request counted on each key, or ``False`` (nothing counted) when
        one key already holds ``num_requests`` within the period; ``wait()`` then says how long."""
        num_requests, duration = self.parse_rate(self.rate)
        if num_requests is None or duration is None:
            return True
        self.now = self.timer()
        histories: dict[str, list[float]] = {}
        for key in self._cache_keys(request):
            history = [t for t in self.cache.get(key, []) if t > self.now - duration]
            if len(history) >= num_requests:
                self.history = history
                return False
            histories[key] = history
        for key, history in histories.items():
            history.insert(0, self.now)
            self.cache.set(key, history, duration)
        return True
