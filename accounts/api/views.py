from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.schema import BAD_REQUEST, THROTTLED
from core.api.throttling import ScopedRateThrottle

from .serializers import EmailAuthTokenSerializer


class AuthTokenView(ObtainAuthToken):
    """An API token for ``Authorization: Token <token>``, from the account's email and password
    (the same token every time). Throttled (scope ``auth_token``)."""

    serializer_class = EmailAuthTokenSerializer
    # No session: a browser's session cookie must not make this endpoint demand a CSRF token.
    authentication_classes: list[type[BaseAuthentication]] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    @extend_schema(
        request=EmailAuthTokenSerializer,
        responses={
            200: EmailAuthTokenSerializer,
            400: BAD_REQUEST,
            429: THROTTLED,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
