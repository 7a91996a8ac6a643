"""URLs for core's own tests: web and API views that raise what the test asks for, with the
shop's error handlers (as config/urls.py sets them)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from core.exceptions import NotFound, ShopError


def missing_view(request: HttpRequest) -> HttpResponse:
    raise NotFound("No such thing.")


def refused_view(request: HttpRequest) -> HttpResponse:
    raise ShopError("Not like this.")


def broken_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the database is down")


handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

urlpatterns = [
    path("missing/", missing_view),
    path("refused/", refused_view),
    path("broken/", broken_view),
    # The shop's own pages, for the {% url %} links of the error pages' header.
    path("", include("config.urls")),
]
