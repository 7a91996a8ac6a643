"""The API's one error path, set as ``REST_FRAMEWORK["EXCEPTION_HANDLER"]`` (modelled on the
HackSoft Django-Styleguide-Example's ``api/exception_handlers.py``). Views do not catch errors.

- A ``core.exceptions.ShopError`` answers its class's ``status_code`` (400, 403, 404, 409, 410,
  503) with ``{"detail": message}``. A view may name the request field an error is about in
  ``error_fields`` (``{InvalidImage: "image"}``, matched with ``isinstance``): such an error is
  an invalid input, 400 ``{"image": [message]}``, like a serializer's field error.
- A Django ``ValidationError`` (a service's ``full_clean()``) is 400 with field errors:
  ``{"field": ["message", ...]}``, errors without a field under ``non_field_errors``.
- Everything else as DRF answers it: ``Http404`` is 404 and Django's ``PermissionDenied`` 403
  ``{"detail": message}``, DRF's own exceptions their status, anything else a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ShopError


class DomainError(exceptions.APIException):
    """A ``ShopError`` as DRF answers it: its ``status_code`` and ``{"detail": message}``."""

    def __init__(self, exc: ShopError) -> None:
        super().__init__(detail=str(exc))
        self.status_code = exc.status_code


def _error_field(exc: ShopError, view: object) -> str | None:
    """The request field ``view`` says ``exc`` is about, if any (its ``error_fields``)."""
    error_fields: Mapping[type[ShopError], str] = getattr(view, "error_fields", {})
    return next((field for cls, field in error_fields.items() if isinstance(exc, cls)), None)


def _validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    """A Django ``ValidationError`` as DRF field errors; ``__all__`` and errors without a field
    go under ``NON_FIELD_ERRORS_KEY``."""
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: the response for ``exc``, or ``None`` (a 500) for an error
    that is not the client's."""
    if isinstance(exc, ShopError):
        field = _error_field(exc, context.get("view"))
        exc = exceptions.ValidationError({field: [str(exc)]}) if field else DomainError(exc)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_errors(exc))
    return drf_exception_handler(exc, context)
