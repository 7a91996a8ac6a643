"""The API's routes, all under ``/api/`` in the one ``api`` namespace (``api:cart``,
``api:checkout``, ``api:product-list``, ``api:schema`` …): each app's ``<app>/api/urls.py``,
aggregated here as cookiecutter-django's ``config/api_router.py`` does; config/urls.py
includes this module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import APIRootView

app_name = "api"


class RedocView(SpectacularRedocView):
    """Redoc, with images from the shop only: its bundle always draws Redocly's logo from
    cdn.redoc.ly in the menu, which this page's Content-Security-Policy keeps the browser from
    fetching (the link text "API docs by Redocly" stays)."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        response = super().get(request, *args, **kwargs)
        response["Content-Security-Policy"] = "img-src 'self' data:"
        return response


# The browsable API root (/api/): each app's list routes and the docs, by route name.
API_ROOT = {
    "categories": "category-list",
    "products": "product-list",
    "search": "search",
    "search/suggest": "search-suggest",
    "search/image": "image-search",
    "cart": "cart",
    "cart/lines": "cart-line-list",
    "shipping-methods": "shipping-method-list",
    "checkout": "checkout",
    "orders": "order-list",
    "auth/token": "auth-token",
    "seller/products": "seller-product-list",
    "schema": "schema",
    "docs": "docs",
    "redoc": "redoc",
}

urlpatterns: list[URLPattern | URLResolver] = [
    path("", APIRootView.as_view(api_root_dict=API_ROOT), name="api-root"),
    path("", include("catalog.api.urls")),
    path("", include("recommender.api.urls")),
    path("", include("search.api.urls")),
    path("", include("shop.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("sellers.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Readable docs of the same schema, served with no request leaving the shop (drf-spectacular-sidecar).
    # The split view serves Swagger UI's set-up script as a file (?script), not inline: no CSP exception.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
]
