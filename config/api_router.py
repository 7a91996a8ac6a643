"""The API's routes, all under ``/api/`` in the one ``api`` namespace (``api:cart``,
``api:checkout``, ``api:product-list``, ``api:schema`` …): each app's ``<app>/api/urls.py``,
aggregated here as cookiecutter-django's ``config/api_router.py`` does; config/urls.py
includes this module."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from catalog.api.seller_views import (
    SellerProductDetailView,
    SellerProductImageDetailView,
    SellerProductImageListView,
    SellerProductListView,
    SellerProductStatusView,
)

app_name = "api"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("catalog.api.urls")),
    path("", include("recommender.api.urls")),
    path("", include("shop.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("accounts.api.urls")),
    # The Seller API, until it has its own app's api/urls.py.
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
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
