from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from catalog.models import Category
from core.limits import upload_max_bytes, upload_max_bytes_text


def shop(request: HttpRequest) -> dict[str, Any]:
    """Shop name, currency, the "only N left" threshold, the demo banner's switch, the photo
    upload limit (for scripts' ``data-*`` attributes) and the category menu, on every page."""
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "SHOP_FEW_LEFT": settings.SHOP_FEW_LEFT,
        # A demo deployment that takes test cards (ALLOW_TEST_PAYMENTS) says so on every page.
        "TEST_PAYMENTS_BANNER": settings.ALLOW_TEST_PAYMENTS and settings.PAYMENT_VARIANT == "test",
        "UPLOAD_MAX_BYTES": upload_max_bytes(),
        "UPLOAD_MAX_BYTES_TEXT": upload_max_bytes_text(),
        "nav_categories": Category.objects.order_by("position", "name"),
    }


def cart(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """The number of units in the shopper's cart, for the header (lazy: one query when shown)."""
    from shop.cart import request_cart_count

    return {"cart_count": lambda: request_cart_count(request)}
