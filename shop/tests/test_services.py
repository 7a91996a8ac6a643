from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from catalog.exceptions import InsufficientStock
from catalog.tests.factories import ProductFactory, stock_set
from shop.models import Cart, CartLine
from shop.selectors import cart_summary
from shop.services import (
    InvalidQuantity,
    ProductUnavailable,
    cart_add_product,
    cart_get_or_create,
    cart_line_remove,
    cart_line_set_quantity,
    cart_merge,
    carts_purge_stale,
)
from shop.shipping import InvalidShippingMethod, delivery_estimate, shipping_method_get

pytestmark = pytest.mark.django_db


def test_add_accumulates_and_summary_reads_current_prices(cart):
    product = ProductFactory.create(price=Decimal("10.00"), stock=5)
    cart_add_product(cart=cart, product_id=product.pk, quantity=2)
    cart_add_product(cart=cart, product_id=product.pk, quantity=1)
    product.price = Decimal("12.50")  # a price change reaches the cart, not an old snapshot
    product.save()
    summary = cart_summary(cart=cart)
    assert [(i.product.pk, i.quantity, i.unit_price, i.line_total) for i in summary.items] == [
        (product.pk, 3, Decimal("12.50"), Decimal("37.50"))
    ]
    assert summary.subtotal == Decimal("37.50")
    assert summary.count == 3


@pytest.mark.parametrize("quantity", [0, -1, 21, 10**12, 1.5, "2", True])
def test_add_rejects_bad_quantities_and_changes_nothing(quantity, cart):
    product = ProductFactory.create(stock=10**6)
    with pytest.raises(InvalidQuantity):
        cart_add_product(cart=cart, product_id=product.pk, quantity=quantity)
    assert CartLine.objects.count() == 0


def test_add_beyond_stock_is_refused_with_what_is_left(cart):
    product = ProductFactory.create(name="Ankle boot", stock=2)
    cart_add_product(cart=cart, product_id=product.pk, quantity=2)
    with pytest.raises(InsufficientStock, match="Only 2 of Ankle boot left in stock"):
        cart_add_product(cart=cart, product_id=product.pk, quantity=1)
    assert CartLine.objects.get().quantity == 2


def test_sold_out_and_inactive_products_cannot_be_added(cart):
    sold_out = ProductFactory.create(name="Sneaker", stock=0)
    hidden = ProductFactory.create(stock=5, is_active=False)
    with pytest.raises(InsufficientStock, match="Sneaker is sold out"):
        cart_add_product(cart=cart, product_id=sold_out.pk)
    with pytest.raises(ProductUnavailable):
        cart_add_product(cart=cart, product_id=hidden.pk)
    with pytest.raises(ProductUnavailable):
        cart_add_product(cart=cart, product_id=999_999)
    assert CartLine.objects.count() == 0


def test_set_quantity_zero_removes_and_unknown_line_is_refused(cart):
    a, b = ProductFactory.create(stock=5), ProductFactory.create(stock=5)
    cart_add_product(cart=cart, product_id=a.pk, quantity=1)
    line = cart_line_set_quantity(cart=cart, product_id=a.pk, quantity=4)
    assert line is not None and line.quantity == 4
    with pytest.raises(InsufficientStock):
        cart_line_set_quantity(cart=cart, product_id=a.pk, quantity=6)
    with pytest.raises(ProductUnavailable):
        cart_line_set_quantity(cart=cart, product_id=b.pk, quantity=1)
    assert cart_line_set_quantity(cart=cart, product_id=a.pk, quantity=0) is None
    assert CartLine.objects.count() == 0
    cart_line_remove(cart=cart, product_id=b.pk)  # not there: nothing happens


def test_summary_flags_lines_that_lost_their_stock(cart):
    product = ProductFactory.create(name="Bag", stock=3)
    cart_add_product(cart=cart, product_id=product.pk, quantity=3)
    stock_set(product, 1)
    assert cart_summary(cart=cart).problems == ["Only 1 of Bag left in stock."]


def test_merge_adds_guest_lines_to_user_cart_capped_by_stock(user):
    both, guest_only = ProductFactory.create(stock=4), ProductFactory.create(stock=9)
    guest = cart_get_or_create()
    cart_add_product(cart=guest, product_id=both.pk, quantity=3)
    cart_add_product(cart=guest, product_id=guest_only.pk, quantity=2)
    mine = cart_get_or_create(user=user)
    cart_add_product(cart=mine, product_id=both.pk, quantity=2)
    cart_merge(source=guest, target=mine)
    assert dict(mine.lines.values_list("product_id", "quantity")) == {both.pk: 4, guest_only.pk: 2}
    assert not Cart.objects.filter(pk=guest.pk).exists()


def test_a_guest_cart_id_never_opens_a_users_cart(user_cart):
    theirs = user_cart
    mine = cart_get_or_create(cart_id=theirs.pk)
    assert mine.pk != theirs.pk and mine.user is None


def test_delivery_estimate_counts_business_days():
    standard = shipping_method_get(code="standard")
    express = shipping_method_get(code="express")
    friday = date(2026, 11, 20)
    assert delivery_estimate(method=standard, start=friday) == (date(2026, 11, 25), date(2026, 11, 27))
    assert delivery_estimate(method=express, start=friday) == (date(2026, 11, 23), date(2026, 11, 24))
    sunday = date(2026, 11, 22)
    assert delivery_estimate(method=express, start=sunday) == (date(2026, 11, 24), date(2026, 11, 25))
    with pytest.raises(InvalidShippingMethod):
        shipping_method_get(code="teleport")


@pytest.mark.parametrize(
    ("quantity", "added", "set_to"),
    [
        (True, "Quantity must be a whole number of at least 1.", "Quantity must be a whole number."),
        ("2", "Quantity must be a whole number of at least 1.", "Quantity must be a whole number."),
        (2.0, "Quantity must be a whole number of at least 1.", "Quantity must be a whole number."),
        (-1, "Quantity must be a whole number of at least 1.", "Quantity must be at least 1."),
    ],
)
def test_a_requested_quantity_is_refused_with_its_own_message(quantity: Any, added: str, set_to: str) -> None:
    product = ProductFactory.create(stock=5)
    cart = cart_get_or_create()
    cart_add_product(cart=cart, product_id=product.pk, quantity=1)
    with pytest.raises(InvalidQuantity) as add_refusal:
        cart_add_product(cart=cart, product_id=product.pk, quantity=quantity)
    with pytest.raises(InvalidQuantity) as set_refusal:
        cart_line_set_quantity(cart=cart, product_id=product.pk, quantity=quantity)
    assert (str(add_refusal.value), str(set_refusal.value)) == (added, set_to)
    assert CartLine.objects.get(cart=cart).quantity == 1


def test_the_cap_applies_to_the_line_a_request_makes(settings: Settings) -> None:
    settings.CART_MAX_LINE_QUANTITY = 4
    product = ProductFactory.create(stock=50)
    cart = cart_get_or_create()
    cart_add_product(cart=cart, product_id=product.pk, quantity=3)
    with pytest.raises(InvalidQuantity, match=r"^You can buy at most 4 of one product per order\.$"):
        cart_add_product(cart=cart, product_id=product.pk, quantity=2)
    assert cart_add_product(cart=cart, product_id=product.pk, quantity=1).quantity == 4
    with pytest.raises(InvalidQuantity, match=r"^You can buy at most 4 of one product per order\.$"):
        cart_line_set_quantity(cart=cart, product_id=product.pk, quantity=5)


@pytest.mark.postgres
def test_merge_locks_both_carts(user):
    """Security review L6: ``.first()`` added LIMIT 1, so FOR UPDATE locked only one cart."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    guest, mine = cart_get_or_create(), cart_get_or_create(user=user)
    with CaptureQueriesContext(connection) as queries:
        cart_merge(source=guest, target=mine)
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1 and "LIMIT" not in locks[0]


def test_stale_guest_carts_are_purged_and_shoppers_carts_kept(user, settings: Settings):
    """Security review L15: guest carts (and sessions, by the task) are not kept for ever."""
    from datetime import timedelta

    from django.utils import timezone

    settings.CART_GUEST_MAX_AGE_DAYS = 30
    product = ProductFactory.create(stock=5)
    old, recent_line, fresh = cart_get_or_create(), cart_get_or_create(), cart_get_or_create()
    users = cart_get_or_create(user=user)
    cart_add_product(cart=old, product_id=product.pk, quantity=1)
    cart_add_product(cart=recent_line, product_id=product.pk, quantity=1)
    long_ago = timezone.now() - timedelta(days=31)
    Cart.objects.filter(pk__in=[old.pk, recent_line.pk, users.pk]).update(updated_at=long_ago)
    CartLine.objects.filter(cart=old).update(added_at=long_ago)

    assert carts_purge_stale() == 1
    assert set(Cart.objects.values_list("pk", flat=True)) == {recent_line.pk, fresh.pk, users.pk}
    assert CartLine.objects.filter(cart_id=old.pk).count() == 0
    assert carts_purge_stale() == 0  # safe to run twice
