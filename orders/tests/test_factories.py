"""The order, order line and payment factories write consistent rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from payments import PaymentStatus

from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.tests.factories import OrderFactory, OrderLineFactory, PaymentFactory

pytestmark = pytest.mark.django_db


def test_order_factory_makes_a_guest_order_waiting_for_payment(settings):
    order = OrderFactory.create()
    assert (order.status, order.user, order.is_paid) == (Order.Status.PENDING_PAYMENT, None, False)
    assert (order.subtotal, order.shipping_price, order.total) == (Decimal("0.00"), Decimal("4.95"), Decimal("4.95"))
    assert order.currency == settings.SHOP_CURRENCY and order.number.startswith("VT-")
    assert order.address_lines == ["Ada Lovelace", "12 St James's Square", "SW1Y 4JH London", "United Kingdom"]
    assert (order.delivery_latest - order.delivery_earliest).days == 2
    order.full_clean()


def test_order_total_follows_the_subtotal_given():
    order = OrderFactory.create(subtotal=Decimal("99.80"), shipping_price=Decimal("14.95"))
    assert Order.objects.get(pk=order.pk).total == Decimal("114.75")


def test_order_line_snapshots_its_product():
    product = ProductFactory.create(name="Ankle boot", sku="AB-1", price=Decimal("49.90"))
    line = OrderLineFactory.create(product=product, quantity=2)
    assert (line.product_name, line.sku, line.unit_price, line.line_total) == (
        "Ankle boot",
        "AB-1",
        Decimal("49.90"),
        Decimal("99.80"),
    )
    product.price = Decimal("1.00")
    product.save()
    line.refresh_from_db()
    assert line.unit_price == Decimal("49.90") and str(line) == "2 × Ankle boot"


def test_payment_factory_asks_for_the_order_total_with_the_test_provider(user):
    order = OrderFactory.create(user=user, email=user.email, subtotal=Decimal("10.00"))
    payment = PaymentFactory.create(order=order)
    assert (payment.variant, payment.currency, payment.total) == ("test", order.currency, Decimal("14.95"))
    assert payment.status == PaymentStatus.WAITING and payment.order_paid is False
    assert list(order.payments.all()) == [payment]


def test_orders_product_fixture(product):
    assert (product.name, product.sku, product.price, product.stock) == ("Ankle boot", "AB-1", Decimal("49.90"), 3)
