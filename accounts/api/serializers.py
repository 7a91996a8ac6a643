from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from rest_framework import serializers


class EmailAuthTokenSerializer(serializers.Serializer):
    """DRF's ``AuthTokenSerializer`` for users who log in with their email address."""

    email = serializers.EmailField(write_only=True)
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    token = serializers.CharField(read_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = authenticate(request=self.context.get("request"), email=attrs["email"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError("Unable to log in with the provided credentials.", code="authorization")
        attrs["user"] = user
        return attrs
