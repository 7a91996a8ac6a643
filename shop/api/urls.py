"""The shop API's routes, the cart and the shipping methods (in the one ``api`` namespace:
``config/api_router.py``)."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from .views import CartLineDetailView, CartLineListView, CartView, ShippingMethodListView

urlpatterns: list[URLPattern] = [
    path("cart/", CartView.as_view(), name="cart"),
    path("cart/lines/", CartLineListView.as_view(), name="cart-line-list"),
    # At most 18 digits: any longer id could not be a database id (it would overflow the query).
    re_path(r"^cart/lines/(?P<product_id>[0-9]{1,18})/$", CartLineDetailView.as_view(), name="cart-line-detail"),
    path("shipping-methods/", ShippingMethodListView.as_view(), name="shipping-method-list"),
]
