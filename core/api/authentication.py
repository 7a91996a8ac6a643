"""The API's session authentication (``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``, and
the seller API's own list): every app's API uses it, so it lives in the kernel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request


class CsrfSessionAuthentication(SessionAuthentication):
    """Session authentication that also checks CSRF for *anonymous* session requests.

    DRF checks CSRF only once a user is logged in; a guest's cart lives in their session too, so
    another site must not be able to post to it. Requests without a session cookie, or with a
    valid API token (``Authorization: Token …``), need no CSRF token; any other
    ``Authorization`` header does not exempt a request.
    """

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None and request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            if settings.SESSION_COOKIE_NAME in request.COOKIES and not self._valid_api_token(request):
                self.enforce_csrf(request)
        return result

    @staticmethod
    def _valid_api_token(request: Request) -> bool:
        """Whether the request carries a valid API token (``Authorization: Token <key>``): only
        then may a request with a session cookie skip CSRF. Any other ``Authorization`` header
        does not exempt it; a bad token is refused here (``AuthenticationFailed``)."""
        return ExpiringTokenAuthentication().authenticate(request) is not None


class CsrfSessionScheme(SessionScheme):
    """OpenAPI description of ``CsrfSessionAuthentication``: the session cookie (drf-spectacular
    matches authentication classes exactly, not their subclasses)."""

    target_class = "core.api.authentication.CsrfSessionAuthentication"


def api_token_expired(token: Token) -> bool:
    """Whether ``token`` is older than ``settings.API_TOKEN_TTL_DAYS`` (0: tokens never expire)."""
    ttl = settings.API_TOKEN_TTL_DAYS
    return bool(ttl) and token.created < timezone.now() - timedelta(days=ttl)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's ``Authorization: Token <key>`` with an expiry: a token older than
    ``API_TOKEN_TTL_DAYS`` is deleted and the request answered 401 ("Token has expired."); the
    shopper asks ``POST /api/auth/token/`` for a new one. Tokens are also revoked when the
    password changes (``accounts.receivers``) and by ``DELETE /api/auth/token/``."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if api_token_expired(token):
            token.delete()
            raise AuthenticationFailed("Token has expired.")
        return user, token
