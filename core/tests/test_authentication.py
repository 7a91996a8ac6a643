"""The kernel's session authentication (``core.api.authentication``), through a real DRF view:
an anonymous request that carries a session needs the CSRF token; one without a session
cookie, or with a valid API token, does not."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.module_loading import import_string
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from core.api.authentication import CsrfSessionAuthentication, CsrfSessionScheme


class EchoView(APIView):
    authentication_classes = [CsrfSessionAuthentication]
    permission_classes = []

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


def test_an_anonymous_session_post_without_the_csrf_token_is_refused() -> None:
    factory = APIRequestFactory(enforce_csrf_checks=True)
    request = factory.post("/echo/", {}, format="json")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "some-session"
    response = EchoView.as_view()(request)
    assert response.status_code == 403
    assert response.data == {"detail": "CSRF Failed: CSRF cookie not set."}


def test_an_anonymous_session_post_with_the_csrf_token_passes() -> None:
    token = "abcdefghijklmnopqrstuvwxyz012345"  # a CSRF secret: 32 letters and digits
    request = APIRequestFactory(enforce_csrf_checks=True).post("/echo/", {}, format="json", HTTP_X_CSRFTOKEN=token)
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "some-session"
    request.COOKIES[settings.CSRF_COOKIE_NAME] = token
    response = EchoView.as_view()(request)
    assert response.status_code == 200 and response.data == {"ok": True}


def test_no_session_cookie_needs_no_csrf_token() -> None:
    request = APIRequestFactory(enforce_csrf_checks=True).post("/echo/", {}, format="json")
    response = EchoView.as_view()(request)
    assert response.status_code == 200 and response.data == {"ok": True}


@pytest.mark.django_db
def test_only_a_valid_api_token_exempts_a_session_request_from_csrf() -> None:
    token = Token.objects.create(user=get_user_model().objects.create_user(email="api@example.com", password="x"))

    def post(authorization: str) -> tuple[int, object]:
        request = APIRequestFactory(enforce_csrf_checks=True).post(
            "/echo/", {}, format="json", HTTP_AUTHORIZATION=authorization
        )
        request.COOKIES[settings.SESSION_COOKIE_NAME] = "some-session"
        response = EchoView.as_view()(request)
        return response.status_code, response.data

    assert post(f"Token {token.key}") == (200, {"ok": True})
    assert post("Token abc") == (403, {"detail": "Invalid token."})
    assert post("Bearer abc") == (403, {"detail": "CSRF Failed: CSRF cookie not set."})
    assert post("Basic dXNlcjpwYXNz") == (403, {"detail": "CSRF Failed: CSRF cookie not set."})


def test_the_api_authenticates_with_the_kernels_class_first() -> None:
    classes = settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert classes == [
        "core.api.authentication.CsrfSessionAuthentication",
        "core.api.authentication.ExpiringTokenAuthentication",
    ]
    assert import_string(classes[0]) is CsrfSessionAuthentication
    # drf-spectacular swaps the dotted path for the class once it has built a schema
    target = CsrfSessionScheme.target_class
    assert (import_string(target) if isinstance(target, str) else target) is CsrfSessionAuthentication
