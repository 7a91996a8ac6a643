"""The recommender API's routes (in the one ``api`` namespace: ``config/api_router.py``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import ImageSearchQueryView, ImageSearchView, ProductSimilarView

urlpatterns: list[URLPattern] = [
    path("products/<int:pk>/similar/", ProductSimilarView.as_view(), name="product-similar"),
    path("search/image/", ImageSearchView.as_view(), name="image-search"),
    path("search/image/<str:query_id>/", ImageSearchQueryView.as_view(), name="image-search-query"),
]
