"""The API's error body and the error responses views document in ``extend_schema``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of a refused request (a ``ShopError``, a missing object, a permission denied)."""

    detail = serializers.CharField()


def error_response(description: str) -> OpenApiResponse:
    """An error response with the ``{"detail": message}`` body, described for one view."""
    return OpenApiResponse(ErrorSerializer, description=description)


BAD_REQUEST = OpenApiResponse(
    description='Invalid input: field errors ({"field": ["message"]}) or a refusal ({"detail": "message"}).'
)
UNAUTHORIZED = error_response("No credentials: send Authorization: Token <token> (or log in).")
FORBIDDEN = error_response("Not allowed for this user (the message says why).")
NOT_FOUND = error_response("No such object, or not one this user may see.")
CONFLICT = error_response("Not enough stock left.")
GONE = error_response("The link has expired.")
THROTTLED = error_response("Too many attempts.")
UNAVAILABLE = error_response("No embedding worker answered in time; try again in a moment.")
