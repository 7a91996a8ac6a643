from decimal import Decimal
from typing import Any

from django import template
from django.conf import settings
from django.template.context import Context

register = template.Library()

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹"}


@register.filter
def money(amount: Decimal | None) -> str:
    """Format a Decimal amount in the shop currency: ``$1,234.50``."""
    if amount is None:
        return ""
    currency = settings.SHOP_CURRENCY
    text = f"{Decimal(amount):,.2f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


@register.simple_tag(takes_context=True)
def query_replace(context: Context, **kwargs: Any) -> str:
    """The current query string with some parameters replaced (for pagination and sorting)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()
