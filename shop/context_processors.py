from django.conf import settings

from catalog.models import Category


def shop(request):  # type: ignore[no-untyped-def]
    """Shop name and the category menu, on every page."""
    return {
        "SHOP_NAME": settings.SHOP_NAME,
        "nav_categories": Category.objects.order_by("position", "name"),
    }
