from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers


class EmailAuthTokenSerializer(serializers.Serializer):
    """DRF's ``AuthTokenSerializer`` for users who log in with their email address.

    The password is checked through allauth's adapter, so the API shares the login form's
    failed-login limits (``ACCOUNT_RATE_LIMITS["login_failed"]``: per client IP and per account);
    past them the answer is 400 "Too many failed login attempts", even for the right password."""

    email = serializers.EmailField(write_only=True)
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    token = serializers.CharField(read_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context["request"]
        try:
            user = get_adapter(request).authenticate(request._request, email=attrs["email"], password=attrs["password"])
        except DjangoValidationError as exc:  # allauth's "too many failed login attempts"
            raise serializers.ValidationError(exc.messages, code="throttled") from exc
        # allauth also hands back an inactive account whose password is right (for its "account
        # inactive" page); the API gives it no token.
        if user is None or not user.is_active:
            raise serializers.ValidationError("Unable to log in with the provided credentials.", code="authorization")
        attrs["user"] = user
        return attrs
