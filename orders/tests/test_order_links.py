"""'Email me a new link' and 'Find your order' cannot be used as a mail cannon (security review
M6): only expired keys, one email per order and per address per interval, a per-IP limit, and no
text the shopper typed in the email."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from orders.selectors import order_link_key
from orders.tests.factories import OrderFactory

if TYPE_CHECKING:
    from pytest_django import Settings

pytestmark = pytest.mark.django_db

PHISHING = "Your Vitrine account is locked, call +1-555-0100"


def _expired(order: Order, settings: Settings):
    """A clock past the order link's expiry (for django.core.signing)."""
    later = timezone.now() + timedelta(days=settings.ORDER_LINK_MAX_AGE_DAYS + 1)
    return mock.patch("django.core.signing.time.time", return_value=later.timestamp())


def _resend(client: Client, order: Order, key: str, **meta: Any):
    return client.post(reverse("orders:order_link_resend", kwargs={"number": order.number}), {"key": key}, **meta)


def test_an_unexpired_key_gets_no_new_link() -> None:
    order = OrderFactory.create(email="victim@example.org", full_name=PHISHING)
    with mock.patch("orders.services.order_link_send_task.delay") as delay:
        response = _resend(Client(), order, order_link_key(order=order))
    assert response.status_code == 404
    delay.assert_not_called()


def test_an_expired_key_gets_one_email_per_interval_and_then_already_sent(settings: Settings) -> None:
    order = OrderFactory.create(email="victim@example.org", full_name=PHISHING)
    key = order_link_key(order=order)
    with _expired(order, settings), mock.patch("orders.services.order_link_send_task.delay") as delay:
        first = _resend(Client(), order, key)
        second = _resend(Client(), order, key)
    assert (first.status_code, second.status_code) == (200, 200)
    delay.assert_called_once_with(order.pk)
    assert b'data-testid="link-sent"' in first.content
    assert b"We already sent a new link to order" in second.content


def test_the_link_email_carries_no_text_the_shopper_typed(settings: Settings) -> None:
    order = OrderFactory.create(email="victim@example.org", full_name=PHISHING)
    key = order_link_key(order=order)
    with _expired(order, settings):
        assert _resend(Client(), order, key).status_code == 200
    assert [m.to for m in mail.outbox] == [["victim@example.org"]]
    body = str(mail.outbox[0].body)
    assert body.startswith("Hello,\n")
    assert "locked" not in body and "555" not in body


def test_find_your_order_sends_one_email_per_order_and_per_address() -> None:
    first = OrderFactory.create(email="victim@example.org")
    second = OrderFactory.create(email="Victim@example.org")
    url = reverse("orders:order_lookup")
    client = Client()
    answers = [
        client.post(url, {"number": first.number, "email": "victim@example.org"}),
        client.post(url, {"number": first.number, "email": "victim@example.org"}),
        client.post(url, {"number": second.number, "email": "victim@example.org"}),
    ]
    # The same answer every time (it tells a stranger nothing), and one email.
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert all(b"If order" in r.content for r in answers)
    assert [m.to for m in mail.outbox] == [["victim@example.org"]]


def test_the_interval_passes_and_another_email_may_go(settings: Settings) -> None:
    settings.ORDER_LINK_EMAIL_INTERVAL_MINUTES = 15
    order = OrderFactory.create(email="shopper@example.org")
    url = reverse("orders:order_lookup")
    data = {"number": order.number, "email": "shopper@example.org"}
    Client().post(url, data)
    with mock.patch("django.core.cache.backends.locmem.time.time", return_value=timezone.now().timestamp() + 901):
        Client().post(url, data)
    assert len(mail.outbox) == 2


def test_each_client_ip_may_ask_order_link_rate_times(settings: Settings) -> None:
    settings.ORDER_LINK_RATE = "3/hour"
    settings.TRUSTED_PROXY_COUNT = 1
    orders = OrderFactory.create_batch(4)
    url = reverse("orders:order_lookup")
    client = Client()

    def ask(order: Order, spoof: str, client_address: str = "198.51.100.10") -> int:
        meta: dict[str, Any] = {"REMOTE_ADDR": "172.18.0.5", "HTTP_X_FORWARDED_FOR": f"{spoof}, {client_address}"}
        return client.post(url, {"number": order.number, "email": order.email}, **meta).status_code

    statuses = [ask(order, spoof=f"10.0.0.{i}") for i, order in enumerate(orders)]
    assert statuses == [200, 200, 200, 429]
    assert len(mail.outbox) == 3
    # The expired-link page shares the budget (refused before the key is even read).
    response = _resend(client, orders[3], "any", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="198.51.100.10")
    assert response.status_code == 429
    assert b"Try again in 60 minutes." in response.content
    assert ask(orders[3], spoof="10.0.0.9", client_address="203.0.113.20") == 200
    assert len(mail.outbox) == 4
