from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from payments import PaymentStatus

from catalog.models import Product
from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.services import payment_create

from .flows import order_placed

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db


def _paid(product: Product, quantity: int = 1) -> Order:
    order = order_placed(products=[product], quantities=[quantity])
    payment_create(order=order).change_status(PaymentStatus.PREAUTH)
    order.refresh_from_db()
    return order


def _action(client: Client, action: str, *orders: Order) -> TestResponse:
    changelist = reverse("admin:orders_order_changelist")
    return client.post(changelist, {"action": action, "_selected_action": [o.pk for o in orders]}, follow=True)


def test_staff_see_orders_with_lines_payments_and_events(staff_client):
    order = _paid(ProductFactory.create(name="Pullover", sku="PO-1", stock=2))
    assert order.number.encode() in staff_client.get(reverse("admin:orders_order_changelist")).content
    page = staff_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "PO-1" in page and "Pending payment" in page and "confirmed" in page.lower()


def test_staff_ship_and_deliver_through_the_status_service(staff_client):
    order = _paid(ProductFactory.create(stock=2))
    _action(staff_client, "mark_shipped", order)
    _action(staff_client, "mark_delivered", order)
    order.refresh_from_db()
    assert order.status == "delivered"
    events = list(order.events.values_list("to_status", "actor__email"))
    assert events[-2:] == [("shipped", "staff@example.com"), ("delivered", "staff@example.com")]


def test_refused_moves_are_reported_and_change_nothing(staff_client):
    pending = order_placed(products=[ProductFactory.create(stock=2)])
    response = _action(staff_client, "mark_shipped", pending)
    assert "pending payment cannot become shipped" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending_payment"


def test_staff_refund_gives_money_and_stock_back(staff_client):
    product = ProductFactory.create(stock=5)
    order = _paid(product, quantity=2)
    assert Product.objects.get(pk=product.pk).stock == 3
    _action(staff_client, "refund_orders", order)
    order.refresh_from_db()
    assert order.status == "refunded"
    assert order.payments.get().status == PaymentStatus.REFUNDED
    assert Product.objects.get(pk=product.pk).stock == 5


def test_status_cannot_be_edited_directly(staff_client):
    order = _paid(ProductFactory.create(stock=2))
    form = staff_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert 'name="status"' not in form
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_unsent_receipts_can_be_sent_from_admin(staff_client, mailoutbox):
    order = _paid(ProductFactory.create(stock=2))  # no on-commit callbacks in this test: no receipt yet
    assert mailoutbox == [] and order.receipt_sent_at is None
    _action(staff_client, "send_receipts", order)
    _action(staff_client, "send_receipts", order)
    assert len(mailoutbox) == 1
