"""The search API's routes (in the one ``api`` namespace: ``config/api_router.py``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import SearchSuggestView, SearchView

urlpatterns: list[URLPattern] = [
    path("search/", SearchView.as_view(), name="search"),
    path("search/suggest/", SearchSuggestView.as_view(), name="search-suggest"),
]
