"""The orders API's routes, checkout and the shopper's orders (in the one ``api`` namespace:
``config/api_router.py``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from .views import CheckoutView, OrderDetailView, OrderListView

urlpatterns: list[URLPattern] = [
    path("checkout/", CheckoutView.as_view(), name="checkout"),
    path("orders/", OrderListView.as_view(), name="order-list"),
    path("orders/<str:number>/", OrderDetailView.as_view(), name="order-detail"),
]
