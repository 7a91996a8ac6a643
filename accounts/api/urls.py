"""The accounts API's routes (in the one ``api`` namespace: ``config/api_router.py``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import AuthTokenView

urlpatterns: list[URLPattern] = [
    path("auth/token/", AuthTokenView.as_view(), name="auth-token"),
]
