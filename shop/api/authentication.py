from __future__ import annotations

from django.conf import settings
from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from accounts.models import User


class CsrfSessionAuthentication(SessionAuthentication):
    """Session authentication that also checks CSRF for *anonymous* session requests.

    DRF checks CSRF only once a user is logged in; a guest's cart lives in their session too, so
    another site must not be able to post to it. Requests without a session cookie, or with a
    token (``Authorization: Token …``), carry no session state and need no CSRF token.
    """

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        result = super().authenticate(request)
        if result is None and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            if settings.SESSION_COOKIE_NAME in request.COOKIES and not request.META.get("HTTP_AUTHORIZATION"):
                self.enforce_csrf(request)
        return result


class CsrfSessionScheme(SessionScheme):
    """OpenAPI description of ``shop.api.authentication.CsrfSessionAuthentication``: the session
    cookie (drf-spectacular matches authentication classes exactly, not their subclasses)."""

    target_class = "shop.api.authentication.CsrfSessionAuthentication"
