"""Order template tags for other apps' pages: ``{% load orders_tags %}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from orders.selectors import order_list_for_user

register = template.Library()

#: how many orders the profile's "Recent orders" shows
RECENT_ORDERS = 5


@register.inclusion_tag("orders/partials/recent_orders.html")
def recent_orders(user: User | AnonymousUser, limit: int = RECENT_ORDERS) -> dict[str, Any]:
    """``{% recent_orders user %}``: the shopper's ``limit`` newest orders (``order_list_for_user``)
    as a table, with a link to the whole order history; "No orders yet." without any."""
    return {"orders": order_list_for_user(user=user)[:limit]}
