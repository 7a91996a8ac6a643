"""The orders app's pages, with their full paths: checkout (the cart becomes an order), the
shopper's order history in the account area, one order's pages, and the seller dashboard's
orders under /sell/orders/. config/urls.py includes
them once at the root, so that all of them are in the one ``orders`` namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from . import seller_views, views

app_name = "orders"

urlpatterns: list[URLPattern] = [
    path("checkout/", views.checkout, name="checkout"),
    path("accounts/orders/", views.order_history, name="order_history"),
    path("orders/find/", views.order_lookup, name="order_lookup"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
    path("orders/<str:number>/pay/", views.order_pay, name="order_pay"),
    path("orders/<str:number>/new-link/", views.order_link_resend, name="order_link_resend"),
    # The seller dashboard's orders (the sellers app, below orders, cannot read them).
    path("sell/orders/", seller_views.seller_order_list_view, name="seller_order_list"),
    path("sell/orders/<str:number>/", seller_views.seller_order_detail_view, name="seller_order_detail"),
    path("orders/payments/test/<uuid:token>/confirm/", views.test_payment_confirm, name="test_payment_confirm"),
]
