"""The API's one error path (``core.api.exception_handler``), through a real DRF view."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from core.api.exception_handler import exception_handler
from core.exceptions import Conflict, Forbidden, Gone, NotFound, ShopError, Unavailable


class PhotoRefused(ShopError):
    pass


class ThingNotFound(NotFound):
    pass


class RaisingView(APIView):
    """Raises ``exc``; a ``PhotoRefused`` or ``ThingNotFound`` is about a request field."""

    authentication_classes = ()
    permission_classes = ()
    error_fields: ClassVar[dict[type[ShopError], str]] = {PhotoRefused: "image", ThingNotFound: "category"}
    exc: Exception = RuntimeError("unset")

    def get(self, request: Request) -> Response:
        raise self.exc


def _answer(exc: Exception) -> tuple[int, Any]:
    """The status and the JSON body the API answers when a view raises ``exc``."""
    response = RaisingView.as_view(exc=exc)(APIRequestFactory().get("/"))
    response.render()
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (ShopError("Not like this."), 400),
        (Forbidden("Not like this."), 403),
        (NotFound("Not like this."), 404),
        (Conflict("Not like this."), 409),
        (Gone("Not like this."), 410),
        (Unavailable("Not like this."), 503),
    ],
)
def test_a_shop_error_answers_its_status_with_its_message(exc: ShopError, status: int) -> None:
    assert _answer(exc) == (status, {"detail": "Not like this."})


def test_an_error_a_view_ties_to_a_field_is_that_fields_error() -> None:
    assert _answer(PhotoRefused("The file is empty.")) == (400, {"image": ["The file is empty."]})
    # A missing thing named in the request's fields is invalid input, not a missing resource.
    assert _answer(ThingNotFound("No such category.")) == (400, {"category": ["No such category."]})


def test_a_django_validation_error_answers_field_and_non_field_errors() -> None:
    exc = DjangoValidationError({"sku": ["This SKU is in use."], "__all__": ["Check the price and stock."]})
    assert _answer(exc) == (
        400,
        {"sku": ["This SKU is in use."], "non_field_errors": ["Check the price and stock."]},
    )
    assert _answer(DjangoValidationError(["First.", "Second."])) == (400, {"non_field_errors": ["First.", "Second."]})


def test_http404_and_permission_denied_answer_as_drf_does() -> None:
    assert _answer(Http404("No such order.")) == (404, {"detail": "No such order."})
    assert _answer(PermissionDenied("Staff only.")) == (403, {"detail": "Staff only."})


def test_an_error_that_is_not_the_clients_is_left_to_django() -> None:
    assert exception_handler(RuntimeError("bug"), {"view": RaisingView()}) is None
    with pytest.raises(RuntimeError, match="^bug$"):
        _answer(RuntimeError("bug"))


def test_the_handler_is_the_apis_exception_handler(settings: Any) -> None:
    assert settings.REST_FRAMEWORK["EXCEPTION_HANDLER"] == "core.api.exception_handler.exception_handler"
