"""Many shoppers, little stock: checkouts race on PostgreSQL (SQLite serialises all writers,
so it cannot show a race). Each thread is a shopper with its own session and connection."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from payments import PaymentStatus

from catalog.models import Product, ProductVariant
from catalog.tests.factories import ProductFactory
from orders.models import Order, OrderEvent, Payment

from .flows import add_to_cart, checkout, pay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHOPPERS = 10


def _shopper(product_id: int, n: int, start: threading.Barrier, variant_id: int | None = None) -> tuple[str, str]:
    """Add to cart, check out, then pay at the same moment as everyone else; returns the order
    number and the text of the page the shopper lands on after paying."""
    try:
        client = Client()
        add_to_cart(client, product_id, variant_id=variant_id)
        pay_url = checkout(client, email=f"shopper{n}@example.com")["Location"]
        start.wait(timeout=30)
        landed = pay(client, pay_url)["Location"].removeprefix("http://127.0.0.1:8000")
        number = landed.split("/")[2]
        return number, client.get(landed).content.decode()
    finally:
        connection.close()


def test_ten_checkouts_for_three_in_stock():
    product = ProductFactory.create(name="Last-chance sneaker", price=Decimal("60.00"), stock=3)
    start = threading.Barrier(SHOPPERS)
    with ThreadPoolExecutor(max_workers=SHOPPERS) as pool:
        results = list(pool.map(lambda n: _shopper(product.pk, n, start), range(SHOPPERS)))

    assert Product.objects.get(pk=product.pk).stock == 0
    statuses = {number: Order.objects.get(number=number).status for number, _ in results}
    assert sorted(statuses.values()) == ["cancelled"] * 7 + ["paid"] * 3
    for number, page in results:
        if statuses[number] == "paid":
            assert "Thank you" in page
        else:
            assert "Sorry, Last-chance sneaker sold out." in page
            assert "Any payment was released or refunded in full." in page
    payments = Payment.objects.all()
    assert sorted(p.status for p in payments) == [PaymentStatus.CONFIRMED] * 3 + [PaymentStatus.REFUNDED] * 7
    assert sum(p.captured_amount for p in payments) == Decimal("3") * Decimal("64.95")
    assert OrderEvent.objects.filter(to_status="paid").count() == 3


def test_ten_checkouts_for_the_last_three_of_one_size():
    """The race runs per size: 10 buyers of the last 3 in EU 42 get exactly 3 orders; the
    other sizes and the product's summed stock follow exactly."""
    product = ProductFactory.create(
        name="Last-size trainer",
        price=Decimal("60.00"),
        variants=[("EU 41", 5), ("EU 42", 3), ("EU 43", 4)],
    )
    size_42 = product.variants.get(size="EU 42")
    start = threading.Barrier(SHOPPERS)
    with ThreadPoolExecutor(max_workers=SHOPPERS) as pool:
        results = list(pool.map(lambda n: _shopper(product.pk, n, start, variant_id=size_42.pk), range(SHOPPERS)))

    stock = dict(ProductVariant.objects.filter(product=product).values_list("size", "stock"))
    assert stock == {"EU 41": 5, "EU 42": 0, "EU 43": 4}
    assert Product.objects.get(pk=product.pk).stock == 9
    statuses = {number: Order.objects.get(number=number).status for number, _ in results}
    assert sorted(statuses.values()) == ["cancelled"] * 7 + ["paid"] * 3
    for number, page in results:
        if statuses[number] == "cancelled":
            assert "Sorry, Last-size trainer (EU 42) sold out." in page
    paid = [number for number, status in statuses.items() if status == "paid"]
    paid_lines = [line for number in paid for line in Order.objects.get(number=number).lines.all()]
    assert len(paid_lines) == 3
    assert {(line.size, line.sku, line.quantity) for line in paid_lines} == {("EU 42", f"{product.sku}-EU42", 1)}
    assert OrderEvent.objects.filter(to_status="paid").count() == 3
