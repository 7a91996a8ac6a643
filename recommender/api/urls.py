"""The recommender API's routes (in the one ``api`` namespace: ``config/api_router.py``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import ProductSimilarView

urlpatterns: list[URLPattern] = [
    path("products/<int:pk>/similar/", ProductSimilarView.as_view(), name="product-similar"),
]
