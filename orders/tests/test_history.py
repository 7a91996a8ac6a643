"""The shopper's orders outside the order pages: the order history page
(``orders.views.order_history`` at /accounts/orders/) and the profile's five most recent
orders (``{% recent_orders user %}``, ``orders.templatetags.orders_tags``)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from orders.models import Order
from orders.templatetags.orders_tags import recent_orders

from .factories import OrderFactory

pytestmark = pytest.mark.django_db


def _orders_for(user: User, count: int) -> list[Order]:
    """``count`` orders of ``user``, the first placed ``count`` days ago, the last today."""
    now = timezone.now()
    orders = []
    for days_ago in range(count, 0, -1):
        order = OrderFactory.create(user=user, email=user.email, subtotal=Decimal(days_ago))
        Order.objects.filter(pk=order.pk).update(created_at=now - timedelta(days=days_ago))
        orders.append(order)
    return orders


def _numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/orders/([^/]+)/">', html)


def test_the_order_history_keeps_its_path_and_needs_a_login(client: Client) -> None:
    assert reverse("orders:order_history") == "/accounts/orders/"
    response = client.get("/accounts/orders/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/accounts/orders/"


def test_the_order_history_pages_the_orders_20_at_a_time_newest_first(client: Client, user: User) -> None:
    orders = _orders_for(user, 21)
    OrderFactory.create()  # a stranger's
    client.force_login(user)

    first = client.get(reverse("orders:order_history"))
    second = client.get(reverse("orders:order_history"), {"page": 2})

    assert first.status_code == 200
    assert [t.name for t in first.templates][0] == "orders/order_history.html"
    assert _numbers(first.content.decode()) == [o.number for o in reversed(orders)][:20]
    assert _numbers(second.content.decode()) == [orders[0].number]


def test_recent_orders_are_the_users_five_newest(user: User) -> None:
    orders = _orders_for(user, 7)
    OrderFactory.create()  # a stranger's

    assert list(recent_orders(user)["orders"]) == orders[::-1][:5]
    assert list(recent_orders(user, limit=2)["orders"]) == orders[::-1][:2]


def test_the_profile_shows_the_five_newest_orders_and_links_the_history(client: Client, user: User) -> None:
    orders = _orders_for(user, 6)
    client.force_login(user)

    html = client.get(reverse("accounts:profile")).content.decode()

    assert _numbers(html) == [o.number for o in reversed(orders)][:5]
    assert '<a href="/accounts/orders/">All orders</a>' in html
    assert "$10.95" not in html and "$9.95" in html  # the oldest (6.00 + 4.95) is left out


def test_the_profile_without_orders_says_so(client: Client, user: User) -> None:
    client.force_login(user)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "<h2>Recent orders</h2>\n<p>No orders yet.</p>" in html
    assert "All orders" not in html


def test_the_tag_renders_nothing_but_the_empty_note_for_a_guest() -> None:
    html = Template("{% load orders_tags %}{% recent_orders user %}").render(Context({"user": AnonymousUser()}))
    assert html.strip() == "<p>No orders yet.</p>"
