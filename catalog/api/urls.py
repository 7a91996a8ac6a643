"""The catalog API's routes (in the one ``api`` namespace: ``config/api_router.py``): the
categories and the product ViewSet's router (``api:product-list``, ``api:product-detail``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from .views import CategoryListView, ProductViewSet

# The API root (/api/) lists every app's routes: config/api_router.py serves it, not this router.
router = SimpleRouter()
router.register("products", ProductViewSet, basename="product")

urlpatterns: list[URLPattern | URLResolver] = [
    path("categories/", CategoryListView.as_view(), name="category-list"),
    # products/, products/<pk>/
    path("", include(router.urls)),
]
