"""The API's routes, all under ``/api/`` in the one ``api`` namespace (``api:cart``,
``api:checkout``, ``api:product-list``, ``api:schema`` …): each app's ``<app>/api/urls.py``,
aggregated here as cookiecutter-django's ``config/api_router.py`` does; config/urls.py
includes this module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("catalog.api.urls")),
    path("", include("recommender.api.urls")),
    path("", include("search.api.urls")),
    path("", include("shop.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("sellers.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
