from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.core.paginator import Page
from django.template.context import Context

from catalog.colours import COLOUR_HEX
from core.money import money_format
from core.pagination import page_window

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    """An amount in the shop currency, as ``core.money.money_format`` writes it: ``$1,234.50``."""
    return money_format(amount)


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


@register.simple_tag
def page_numbers(page: Page[Any]) -> list[int | None]:
    """The page numbers to link for a Django ``Page`` (``core.pagination.page_window``): ``None``
    marks a gap; ``[]`` when there is a single page."""
    return page_window(page=page.number, num_pages=page.paginator.num_pages)


@register.filter
def colour_hex(name: str) -> str:
    """The CSS hex of a shop palette colour (``"Red"`` -> ``"#c4282c"``); "" for other names."""
    return COLOUR_HEX.get(name, "")
