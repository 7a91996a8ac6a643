"""The catalog API's routes (in the one ``api`` namespace: ``config/api_router.py``): the
categories and the product ViewSet's router (``api:product-list``, ``api:product-detail``)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import DefaultRouter

from .views import CategoryListView, ProductViewSet

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")

urlpatterns: list[URLPattern | URLResolver] = [
    path("categories/", CategoryListView.as_view(), name="category-list"),
    # products/, products/<pk>/ and the router's API root (api:api-root at /api/)
    path("", include(router.urls)),
]
