"""Order template tags for other apps' pages (the profile, the seller dashboard): ``{% load orders_tags %}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.auth.models import AnonymousUser

from accounts.models import Seller, User
from orders.selectors import order_list_for_user, seller_sales_summary

register = template.Library()

#: how many orders the profile's "Recent orders" shows
RECENT_ORDERS = 5


@register.inclusion_tag("orders/partials/recent_orders.html")
def recent_orders(user: User | AnonymousUser, limit: int = RECENT_ORDERS) -> dict[str, Any]:
    """``{% recent_orders user %}``: the shopper's ``limit`` newest orders (``order_list_for_user``)
    as a table, with a link to the whole order history; "No orders yet." without any."""
    return {"orders": order_list_for_user(user=user)[:limit]}


@register.inclusion_tag("orders/partials/seller_sales.html")
def seller_sales(seller: Seller) -> dict[str, Any]:
    """``{% seller_sales seller %}``: the seller dashboard's sales figures (``seller_sales_summary``:
    revenue and units over 30 days and all time, orders to ship) as three tiles."""
    return {"sales": seller_sales_summary(seller=seller)}


@register.inclusion_tag("orders/partials/seller_nav.html")
def seller_nav(current: str) -> dict[str, Any]:
    """``{% seller_nav "products" %}``: the seller dashboard's tabs (products, orders, import),
    ``current`` marked as the page shown."""
    return {"current": current}
