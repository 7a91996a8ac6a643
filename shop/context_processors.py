from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from catalog.models import Category


def shop(request: HttpRequest) -> dict[str, Any]:
    """Shop name, currency and the category menu, on every page."""
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "nav_categories": Category.objects.order_by("position", "name"),
    }


def cart(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The number of units in the shopper's cart, for the header (lazy: one query when shown)."""
    from shop.cart import request_cart_count

    return {"cart_count": lambda: request_cart_count(request)}
