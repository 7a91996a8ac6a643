from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from payments import PaymentStatus

from catalog.exceptions import InsufficientStock
from catalog.models import Product, ProductVariant
from catalog.tests.factories import ProductFactory, stock_set
from orders.exceptions import InvalidStatusTransition, OrderNotPayable, OrderTooLarge
from orders.models import Fulfilment, Order, OrderEvent, OrderLine, Payment
from orders.pipeline import order_cancel
from orders.services import (
    ORDER_TOTAL_MAX,
    CheckoutConflict,
    EmptyCart,
    order_lines_ship,
    order_place,
    order_set_status,
    payment_create,
)
from shop.models import CartLine
from shop.services import cart_get_or_create
from shop.tests.factories import CartLineFactory

from .factories import PaymentFactory
from .flows import ADDRESS, order_placed

pytestmark = pytest.mark.django_db


def _pay(order: Order) -> Payment:
    """Authorise a payment for ``order`` as the test provider does on an approved card."""
    payment = payment_create(order=order)
    payment.change_status(PaymentStatus.PREAUTH)
    return payment


def test_order_snapshots_lines_prices_and_shipping():
    shirt = ProductFactory.create(name="Shirt", sku="SH-1", price=Decimal("19.99"), stock=5)
    boot = ProductFactory.create(name="Boot", sku="BO-1", price=Decimal("80.00"), stock=2)
    order = order_placed(products=[shirt, boot], quantities=[3, 1], shipping_method="express", today=date(2026, 11, 20))
    lines = [(x.product_name, x.sku, x.unit_price, x.quantity, x.line_total) for x in order.lines.all()]
    assert lines == [
        ("Shirt", "SH-1", Decimal("19.99"), 3, Decimal("59.97")),
        ("Boot", "BO-1", Decimal("80.00"), 1, Decimal("80.00")),
    ]
    assert (order.subtotal, order.shipping_price, order.total) == (
        Decimal("139.97"),
        Decimal("14.95"),
        Decimal("154.92"),
    )
    assert (order.delivery_earliest, order.delivery_latest) == (date(2026, 11, 23), date(2026, 11, 24))
    assert order.status == Order.Status.PENDING_PAYMENT
    assert Product.objects.get(pk=shirt.pk).stock == 5  # taken only when paid
    shirt.price = Decimal("1.00")
    shirt.save()
    assert order.lines.get(sku="SH-1").unit_price == Decimal("19.99")  # history does not move


def test_an_order_over_what_a_payment_can_hold_is_refused():
    # django-payments' amounts hold 9 digits: 9,999,999.99 at most (an order's 12).
    assert Payment._meta.get_field("total").max_digits == 9 and ORDER_TOTAL_MAX == Decimal("9999999.99")
    fits = ProductFactory.create(price=Decimal("9999995.04"), stock=2)  # + 4.95 standard shipping
    order = order_placed(products=[fits])
    assert order.total == Decimal("9999999.99")
    payment = payment_create(order=order)
    payment.refresh_from_db()
    assert payment.total == Decimal("9999999.99")
    too_large = ProductFactory.create(price=Decimal("9999995.05"), stock=2)
    with pytest.raises(OrderTooLarge, match="at most 9,999,999.99 USD"):
        order_placed(products=[too_large])
    assert Order.objects.count() == 1


def test_same_checkout_token_places_one_order():
    product = ProductFactory.create(stock=5)
    cart = cart_get_or_create()
    from shop.services import cart_add_product

    cart_add_product(cart=cart, product_id=product.pk)
    token = uuid.uuid4()
    kwargs: dict[str, Any] = dict(
        cart=cart, email="a@example.com", address=ADDRESS, shipping_method="standard", checkout_token=token
    )
    first = order_place(**kwargs)
    second = order_place(**kwargs)
    assert first.pk == second.pk and Order.objects.count() == 1
    other_cart = cart_get_or_create()
    with pytest.raises(CheckoutConflict):
        order_place(**{**kwargs, "cart": other_cart})


def test_empty_cart_bad_email_and_shortage_place_nothing():
    cart = cart_get_or_create()
    with pytest.raises(EmptyCart):
        order_place(
            cart=cart, email="a@example.com", address=ADDRESS, shipping_method="standard", checkout_token=uuid.uuid4()
        )
    product = ProductFactory.create(stock=2)
    CartLineFactory.create(cart=cart, product=product, quantity=2)
    with pytest.raises(ValidationError):
        order_place(
            cart=cart, email="not-an-email", address=ADDRESS, shipping_method="standard", checkout_token=uuid.uuid4()
        )
    stock_set(product, 1)
    with pytest.raises(InsufficientStock):
        order_place(
            cart=cart, email="a@example.com", address=ADDRESS, shipping_method="standard", checkout_token=uuid.uuid4()
        )
    assert Order.objects.count() == 0


def test_payment_takes_stock_captures_and_sends_one_receipt(mailoutbox, django_capture_on_commit_callbacks):
    product = ProductFactory.create(stock=3)
    order = order_placed(products=[product], quantities=[2])
    with django_capture_on_commit_callbacks(execute=True):
        payment = _pay(order)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert payment.status == PaymentStatus.CONFIRMED and payment.captured_amount == order.total
    assert Product.objects.get(pk=product.pk).stock == 1
    assert order.cart_id is not None
    assert CartLine.objects.filter(cart_id=order.cart_id).count() == 0
    assert [(e.from_status, e.to_status) for e in order.events.all()] == [
        ("", "pending_payment"),
        ("pending_payment", "paid"),
    ]
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["ada@example.com"]
    # A replayed confirmation changes nothing: no second stock take, charge or receipt.
    with django_capture_on_commit_callbacks(execute=True):
        payment.change_status(PaymentStatus.CONFIRMED)
        payment.change_status(PaymentStatus.PREAUTH)
    assert Product.objects.get(pk=product.pk).stock == 1
    assert OrderEvent.objects.filter(order=order, to_status="paid").count() == 1
    assert len(mailoutbox) == 1


def test_second_payment_for_a_paid_order_is_given_back():
    product = ProductFactory.create(stock=3)
    order = order_placed(products=[product])
    first = payment_create(order=order)
    second = payment_create(order=order, variant="test")
    assert first.pk == second.pk  # an unfinished attempt is reused
    second = PaymentFactory.create(order=order, variant="test", currency="USD", total=order.total)
    first.change_status(PaymentStatus.PREAUTH)
    second.change_status(PaymentStatus.PREAUTH)
    second.refresh_from_db()
    assert second.status == PaymentStatus.REFUNDED and "already paid" in second.message
    assert Product.objects.get(pk=product.pk).stock == 2
    with pytest.raises(OrderNotPayable):
        payment_create(order=order)


def test_sold_out_at_payment_releases_money_and_cancels():
    product = ProductFactory.create(name="Last coat", stock=1)
    mine = order_placed(products=[product])
    theirs = order_placed(products=[product], email="bob@example.com")
    _pay(theirs)
    payment = _pay(mine)
    mine.refresh_from_db()
    payment.refresh_from_db()
    assert mine.status == Order.Status.CANCELLED
    assert mine.cancel_reason == "Sorry, Last coat sold out."
    assert payment.status == PaymentStatus.REFUNDED and payment.captured_amount == Decimal("0")
    assert Product.objects.get(pk=product.pk).stock == 0


def test_declined_payment_leaves_the_order_payable():
    product = ProductFactory.create(stock=1)
    order = order_placed(products=[product])
    payment = payment_create(order=order)
    payment.change_status(PaymentStatus.REJECTED, "Your card was declined.")
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert Product.objects.get(pk=product.pk).stock == 1
    assert payment_create(order=order).pk != payment.pk


def test_status_transitions_are_checked_and_recorded():
    order = order_placed(products=[ProductFactory.create(stock=2)])
    with pytest.raises(InvalidStatusTransition, match="pending payment cannot become shipped"):
        order_set_status(order=order, status=Order.Status.SHIPPED)
    _pay(order)
    order.refresh_from_db()
    order_set_status(order=order, status=Order.Status.SHIPPED, note="Tracking 1Z999")
    order_set_status(order=order, status=Order.Status.DELIVERED)
    with pytest.raises(InvalidStatusTransition):
        order_set_status(order=order, status=Order.Status.PAID)
    assert list(order.events.values_list("to_status", flat=True)) == ["pending_payment", "paid", "shipped", "delivered"]


def test_refund_returns_stock_and_money():
    product = ProductFactory.create(stock=4)
    order = order_placed(products=[product], quantities=[3])
    payment = _pay(order)
    order.refresh_from_db()
    order_cancel(order=order, refund=True, reason="Customer returned it")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert payment.status == PaymentStatus.REFUNDED
    assert Product.objects.get(pk=product.pk).stock == 4
    with pytest.raises(InvalidStatusTransition):
        order_cancel(order=order)
    assert Product.objects.get(pk=product.pk).stock == 4


def _delivered(product: Product, quantity: int) -> Order:
    order = order_placed(products=[product], quantities=[quantity])
    _pay(order)
    order.refresh_from_db()
    order_lines_ship(order=order, seller=None, tracking_number="1Z-42")
    order_set_status(order=order, status=Order.Status.DELIVERED)
    return order


def test_refunding_a_delivered_order_does_not_restock():
    product = ProductFactory.create(stock=4)
    order = _delivered(product, 3)
    assert Product.objects.get(pk=product.pk).stock == 1
    order_cancel(order=order, refund=True, reason="Lost in transit")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and order.payments.get().status == PaymentStatus.REFUNDED
    assert Product.objects.get(pk=product.pk).stock == 1
    assert ProductVariant.objects.get(product=product).stock == 1


def test_refunding_a_delivered_order_with_restock_returns_its_stock():
    product = ProductFactory.create(stock=4)
    order = _delivered(product, 3)
    order_cancel(order=order, refund=True, restock=True, reason="Goods came back")
    assert Product.objects.get(pk=product.pk).stock == 4
    assert ProductVariant.objects.get(product=product).stock == 4


def test_refunding_a_partly_shipped_order_restocks_only_the_lines_not_shipped():
    shipped, waiting = ProductFactory.create(stock=5), ProductFactory.create(stock=5)
    order = order_placed(products=[shipped, waiting], quantities=[2, 3])
    _pay(order)
    order.refresh_from_db()
    line = order.lines.get(product=shipped)
    fulfilment = Fulfilment.objects.create(order=order, tracking_number="1Z-1")
    OrderLine.objects.filter(pk=line.pk).update(fulfilment=fulfilment)  # one seller shipped their line
    order_cancel(order=order, refund=True)
    assert Product.objects.get(pk=shipped.pk).stock == 3
    assert Product.objects.get(pk=waiting.pk).stock == 5


def test_cancelling_a_paid_order_returns_its_stock():
    product = ProductFactory.create(stock=4)
    order = order_placed(products=[product], quantities=[3])
    _pay(order)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and Product.objects.get(pk=product.pk).stock == 1
    order_cancel(order=order, reason="Out of the delivery area")
    assert Product.objects.get(pk=product.pk).stock == 4


def test_cancelling_an_unpaid_order_keeps_stock():
    product = ProductFactory.create(stock=4)
    order = order_placed(products=[product], quantities=[3])
    payment_create(order=order)
    order_cancel(order=order, reason="Changed my mind")
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.payments.get().status == PaymentStatus.CANCELLED
    assert Product.objects.get(pk=product.pk).stock == 4


def test_stock_take_is_all_or_nothing():
    from catalog.services import variant_stock_take

    a, b = ProductFactory.create(name="A", stock=5), ProductFactory.create(name="B", stock=1)
    with pytest.raises(InsufficientStock, match="B sold out"):
        variant_stock_take(quantities={a.variants.get().pk: 2, b.variants.get().pk: 2})
    assert list(Product.objects.order_by("pk").values_list("stock", flat=True)) == [5, 1]
    assert list(ProductVariant.objects.order_by("pk").values_list("stock", flat=True)) == [5, 1]
    mail.outbox.clear()
