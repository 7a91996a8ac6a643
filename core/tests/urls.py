"""URLs for core's own tests: web and API views that raise what the test asks for."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from core.exceptions import NotFound, ShopError


def missing_view(request: HttpRequest) -> HttpResponse:
    raise NotFound("No such thing.")


def refused_view(request: HttpRequest) -> HttpResponse:
    raise ShopError("Not like this.")


urlpatterns = [
    path("missing/", missing_view),
    path("refused/", refused_view),
]
