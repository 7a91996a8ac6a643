from django.conf import settings

from catalog.models import Category


def shop(request):  # type: ignore[no-untyped-def]
    """Shop name, currency and the category menu, on every page."""
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "SHOP_CURRENCY": settings.SHOP_CURRENCY,
        "nav_categories": Category.objects.order_by("position", "name"),
    }


def cart(request):  # type: ignore[no-untyped-def]
    """The number of units in the shopper's cart, for the header (lazy: one query when shown)."""
    from shop.cart import request_cart_count

    return {"cart_count": lambda: request_cart_count(request)}
