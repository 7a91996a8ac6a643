"""The Seller API's routes, included in the "api" namespace under /api/ by config/api_router.py."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from .views import (
    SellerProductDetailView,
    SellerProductImageDetailView,
    SellerProductImageListView,
    SellerProductListView,
    SellerProductStatusView,
)

# Ids have at most 18 digits: any longer one could not be a database id (it would overflow the query).
urlpatterns: list[URLPattern] = [
    path("seller/products/", SellerProductListView.as_view(), name="seller-product-list"),
    re_path(
        r"^seller/products/(?P<product_id>[0-9]{1,18})/$",
        SellerProductDetailView.as_view(),
        name="seller-product-detail",
    ),
    re_path(
        r"^seller/products/(?P<product_id>[0-9]{1,18})/images/$",
        SellerProductImageListView.as_view(),
        name="seller-product-image-list",
    ),
    re_path(
        r"^seller/products/(?P<product_id>[0-9]{1,18})/images/(?P<image_id>[0-9]{1,18})/$",
        SellerProductImageDetailView.as_view(),
        name="seller-product-image-detail",
    ),
    re_path(
        r"^seller/products/(?P<product_id>[0-9]{1,18})/status/$",
        SellerProductStatusView.as_view(),
        name="seller-product-status",
    ),
]
