from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from accounts.services import user_api_token_issue, user_api_tokens_revoke
from core.api.authentication import ExpiringTokenAuthentication
from core.api.schema import BAD_REQUEST, THROTTLED, UNAUTHORIZED
from core.api.throttling import ScopedRateThrottle

from .serializers import EmailAuthTokenSerializer


class AuthTokenView(ObtainAuthToken):
    """``POST``: an API token for ``Authorization: Token <token>``, from the account's email and
    password: the same token until it expires (``API_TOKEN_TTL_DAYS``), is revoked
    (``DELETE``) or the password changes. Throttled (scope ``auth_token``). ``DELETE``, with the
    token: revoke it (204); later requests with it are 401."""

    serializer_class = EmailAuthTokenSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    def get_authenticators(self) -> list[BaseAuthentication]:
        # POST: no session, so a browser's session cookie does not make it demand a CSRF token,
        # and no token either (an expired one must not stop the shopper getting a new one).
        request = getattr(self, "request", None)  # None while drf-spectacular builds the schema
        if request is not None and request.method == "POST":
            return []
        return [ExpiringTokenAuthentication()]

    def get_permissions(self) -> list[BasePermission]:
        request = getattr(self, "request", None)
        return [IsAuthenticated()] if request is not None and request.method == "DELETE" else []

    @extend_schema(
        request=EmailAuthTokenSerializer,
        responses={
            200: EmailAuthTokenSerializer,
            400: BAD_REQUEST,
            429: THROTTLED,
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = user_api_token_issue(user=serializer.validated_data["user"])
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None, 401: UNAUTHORIZED})
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        assert isinstance(user, User)  # IsAuthenticated
        user_api_tokens_revoke(user=user)
        return Response(status=204)
