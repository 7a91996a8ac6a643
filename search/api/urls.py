"""The search API's routes (in the one ``api`` namespace: ``config/api_router.py``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .photo_views import ImageSearchQueryView, ImageSearchView
from .views import SearchSuggestView, SearchView

urlpatterns: list[URLPattern] = [
    path("search/", SearchView.as_view(), name="search"),
    path("search/suggest/", SearchSuggestView.as_view(), name="search-suggest"),
    # find by photo (with words): search/api/photo_views.py
    path("search/image/", ImageSearchView.as_view(), name="image-search"),
    path("search/image/<str:query_id>/", ImageSearchQueryView.as_view(), name="image-search-query"),
]
