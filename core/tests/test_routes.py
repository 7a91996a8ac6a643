"""The public paths and their route names (config/urls.py, config/api_router.py and each app's
``urls.py``/``api/urls.py``): web pages per app namespace, every API route in the one ``api``
namespace."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, resolve, reverse

WEB = {
    "orders:checkout": "/checkout/",
    "orders:order_history": "/accounts/orders/",
    "accounts:profile": "/accounts/profile/",
    "shop:cart_detail": "/cart/",
}
API = {
    "api:category-list": "/api/categories/",
    "api:product-list": "/api/products/",
    "api:api-root": "/api/",
    "api:image-search": "/api/search/image/",
    "api:cart": "/api/cart/",
    "api:cart-line-list": "/api/cart/lines/",
    "api:shipping-method-list": "/api/shipping-methods/",
    "api:checkout": "/api/checkout/",
    "api:order-list": "/api/orders/",
    "api:auth-token": "/api/auth/token/",
    "api:seller-product-list": "/api/seller/products/",
    "api:schema": "/api/schema/",
    "api:docs": "/api/docs/",
    "api:redoc": "/api/redoc/",
}
WITH_ARGS = {
    ("api:product-detail", "7"): "/api/products/7/",
    ("api:product-similar", "7"): "/api/products/7/similar/",
    ("api:image-search-query", "q1"): "/api/search/image/q1/",
    ("api:cart-line-detail", "7"): "/api/cart/lines/7/",
    ("api:order-detail", "VT-1"): "/api/orders/VT-1/",
    ("api:seller-product-detail", "7"): "/api/seller/products/7/",
    ("orders:order_detail", "VT-1"): "/orders/VT-1/",
    ("orders:order_pay", "VT-1"): "/orders/VT-1/pay/",
}


@pytest.mark.parametrize(("name", "path"), sorted({**WEB, **API}.items()))
def test_each_route_name_has_its_public_path(name: str, path: str) -> None:
    assert reverse(name) == path
    match = resolve(path)
    assert f"{match.namespace}:{match.url_name}" == name


@pytest.mark.parametrize(("route", "path"), sorted(WITH_ARGS.items()))
def test_each_route_with_an_argument_has_its_public_path(route: tuple[str, str], path: str) -> None:
    name, arg = route
    assert reverse(name, args=[arg]) == path
    assert resolve(path).view_name == name


@pytest.mark.parametrize("name", ["shop:checkout", "accounts:order_history"])
def test_the_moved_pages_have_no_old_name(name: str) -> None:
    with pytest.raises(NoReverseMatch):
        reverse(name)
