"""The order pipeline (orders.pipeline), step by step, and where its provider calls happen
relative to the order row's lock and to the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from payments import PaymentError, PaymentStatus, core

from catalog.models import Product
from catalog.tests.factories import ProductFactory, stock_set
from orders import payment_providers
from orders.models import Order, Payment
from orders.pipeline import (
    Decision,
    Next,
    order_cancel,
    order_capture_undo,
    order_mark_paid,
    order_payment_authorise,
    order_payment_capture,
    order_payment_settle,
    order_stock_take,
    payment_give_back,
)
from orders.services import payment_create
from shop.models import CartLine

from .flows import order_placed

pytestmark = pytest.mark.django_db


def _open_transactions() -> int:
    """Transactions open on the connection, the test case's own wrappers left out (they stand
    in for autocommit): 0 means nothing of ours is open, so no order row can be locked."""
    blocks = transaction.get_connection().atomic_blocks
    return sum(1 for block in blocks if not getattr(block, "_from_testcase", False))


class RecordingProvider(payment_providers.TestCardProvider):
    """The test-card provider, recording each provider call with the number of transactions
    open at that moment and the order's committed status and stock; ``fail`` makes one fail."""

    calls: list[tuple[str, int, str, int]] = []
    fail: set[str] = set()

    def _record(self, payment: Any, call: str) -> None:
        order = Order.objects.get(pk=payment.order_id)
        stock = _stock(order)
        RecordingProvider.calls.append((call, _open_transactions(), order.status, stock))
        if call in RecordingProvider.fail:
            raise PaymentError(f"{call} failed: card network down")

    def capture(self, payment: Any, amount: Any = None) -> Any:
        self._record(payment, "capture")
        return super().capture(payment, amount)

    def release(self, payment: Any) -> None:
        self._record(payment, "release")
        return super().release(payment)

    def refund(self, payment: Any, amount: Any = None) -> Any:
        self._record(payment, "refund")
        return super().refund(payment, amount)


@pytest.fixture(autouse=True)
def recording(settings: Any) -> Iterator[type[RecordingProvider]]:
    settings.PAYMENT_VARIANTS = {
        **settings.PAYMENT_VARIANTS,
        "recording": ("orders.tests.test_pipeline.RecordingProvider", {"capture": False}),
    }
    core.PROVIDER_CACHE.pop("recording", None)
    RecordingProvider.calls, RecordingProvider.fail = [], set()
    yield RecordingProvider
    core.PROVIDER_CACHE.pop("recording", None)


def _order(stock: int = 3, quantity: int = 2, name: str = "Wool coat") -> Order:
    product = ProductFactory.create(name=name, price=Decimal("50.00"), stock=stock)
    return order_placed(products=[product], quantities=[quantity])


def _product_id(order: Order) -> int:
    product_id = order.lines.get().product_id
    assert product_id is not None
    return product_id


def _stock(order: Order) -> int:
    return Product.objects.get(pk=_product_id(order)).stock


def _cart_lines(order: Order) -> int:
    assert order.cart_id is not None
    return CartLine.objects.filter(cart_id=order.cart_id).count()


def _authorised(order: Order, status: str = PaymentStatus.PREAUTH) -> Payment:
    """A payment in ``status`` without the status signal (so no pipeline runs): for the steps
    on their own."""
    payment = payment_create(order=order, variant="recording")
    Payment.objects.filter(pk=payment.pk).update(status=status)
    payment.status = status
    return payment


def _events(order: Order) -> list[tuple[str, str]]:
    return list(order.events.values_list("from_status", "to_status"))


# --- each step on its own ---------------------------------------------------------------


def test_authorise_decides_and_writes_nothing():
    order = _order()
    waiting = payment_create(order=order, variant="recording")
    assert order_payment_authorise(payment=waiting) == Decision(Next.NOTHING)
    payment = _authorised(order)
    assert order_payment_authorise(payment=payment) == Decision(Next.TAKE_STOCK)
    assert order_payment_authorise(payment=payment) == Decision(Next.TAKE_STOCK)
    assert _stock(order) == 3 and Payment.objects.get(pk=payment.pk).order_paid is False
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT
    Payment.objects.filter(pk=payment.pk).update(order_paid=True)
    assert order_payment_authorise(payment=payment) == Decision(Next.CAPTURE)
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.CONFIRMED)
    assert order_payment_authorise(payment=payment) == Decision(Next.MARK_PAID)
    extra = Payment.objects.create(order=order, variant="recording", currency="USD", total=order.total)
    Payment.objects.filter(pk=extra.pk).update(status=PaymentStatus.PREAUTH)
    assert order_payment_authorise(payment=extra) == Decision(
        Next.GIVE_BACK, f"Order {order.number} was already paid (by another payment)."
    )
    assert RecordingProvider.calls == []


def test_take_stock_takes_it_once_and_marks_the_payment_as_the_orders():
    order = _order(stock=3, quantity=2)
    payment = _authorised(order)
    assert order_stock_take(payment=payment) == Decision(Next.CAPTURE)
    assert _stock(order) == 1
    assert payment.order_paid is True and Payment.objects.get(pk=payment.pk).order_paid is True
    assert order_stock_take(payment=payment) == Decision(Next.CAPTURE)  # a replay
    assert _stock(order) == 1
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT
    assert _events(order) == [("", "pending_payment")]
    assert RecordingProvider.calls == []


def test_take_stock_of_a_captured_payment_goes_straight_to_mark_paid():
    order = _order(stock=2, quantity=2)
    payment = _authorised(order, status=PaymentStatus.CONFIRMED)
    assert order_stock_take(payment=payment) == Decision(Next.MARK_PAID)
    assert _stock(order) == 0


def test_take_stock_of_a_sold_out_item_cancels_with_the_reason_and_takes_nothing():
    order = _order(stock=2, quantity=2, name="Last coat")
    stock_set(Product.objects.get(pk=_product_id(order)), 1)  # another order took one
    payment = _authorised(order)
    assert order_stock_take(payment=payment) == Decision(Next.GIVE_BACK, "Sorry, Last coat sold out.")
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, "Sorry, Last coat sold out.")
    assert _events(order) == [("", "pending_payment"), ("pending_payment", "cancelled")]
    assert list(order.events.values_list("note", flat=True)) == ["Order placed", "Sorry, Last coat sold out."]
    assert _stock(order) == 1
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.PREAUTH  # given back later
    assert RecordingProvider.calls == []


def test_capture_records_the_amount_and_only_captures_the_orders_payment():
    order = _order()
    payment = _authorised(order)
    order_payment_capture(payment=payment)  # not the order's payment yet: no capture
    assert RecordingProvider.calls == []
    order_stock_take(payment=payment)
    order_payment_capture(payment=payment)
    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.status, stored.captured_amount) == (PaymentStatus.CONFIRMED, Decimal("104.95"))
    order_payment_capture(payment=payment)  # a replay: already captured
    assert [call for call, *_ in RecordingProvider.calls] == ["capture"]


def test_a_failed_capture_gives_the_stock_back_and_leaves_the_order_payable():
    order = _order(stock=3, quantity=2)
    payment = _authorised(order)
    order_stock_take(payment=payment)
    RecordingProvider.fail = {"capture"}
    with pytest.raises(PaymentError, match="capture failed"):
        order_payment_capture(payment=payment)
    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.status, stored.order_paid) == (PaymentStatus.PREAUTH, False)
    assert stored.message == "Capture failed: capture failed: card network down"
    assert _stock(order) == 3
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT
    assert _events(order) == [("", "pending_payment")]
    order_capture_undo(payment=payment, error="again")  # nothing left to undo
    assert _stock(order) == 3 and Payment.objects.get(pk=payment.pk).message == stored.message


def test_mark_paid_once_captured_clears_the_cart_and_enqueues_one_receipt(django_capture_on_commit_callbacks):
    order = _order(stock=3, quantity=2)
    assert _cart_lines(order) == 1
    payment = _authorised(order)
    order_stock_take(payment=payment)
    with django_capture_on_commit_callbacks() as callbacks:
        order_mark_paid(payment=payment)  # authorised, not captured: not paid yet
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT and callbacks == []
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.CONFIRMED)
    with django_capture_on_commit_callbacks() as callbacks:
        order_mark_paid(payment=payment)
        order_mark_paid(payment=payment)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert _events(order) == [("", "pending_payment"), ("pending_payment", "paid")]
    assert list(order.events.values_list("note", flat=True)) == ["Order placed", "Paid (recording, 104.95 USD)"]
    assert _cart_lines(order) == 0
    assert len(callbacks) == 1  # the receipt task


def test_give_back_releases_or_refunds_once_and_says_why():
    order = _order()
    held = _authorised(order)
    payment_give_back(payment=held, reason="Order was already paid.")
    payment_give_back(payment=held, reason="Order was already paid.")
    stored = Payment.objects.get(pk=held.pk)
    assert (stored.status, stored.message) == (PaymentStatus.REFUNDED, "Order was already paid.")
    captured = _authorised(order, status=PaymentStatus.CONFIRMED)
    Payment.objects.filter(pk=captured.pk).update(captured_amount=Decimal("104.95"))
    payment_give_back(payment=captured, reason="Sorry, Wool coat sold out.")
    stored = Payment.objects.get(pk=captured.pk)
    assert (stored.status, stored.captured_amount) == (PaymentStatus.REFUNDED, Decimal("0"))
    assert [call for call, *_ in RecordingProvider.calls] == ["release", "refund"]


# --- the whole pipeline: provider calls after the lock -----------------------------------


def test_capture_runs_after_the_stock_is_taken_with_no_transaction_open(django_capture_on_commit_callbacks):
    order = _order(stock=3, quantity=2)
    payment = payment_create(order=order, variant="recording")
    with django_capture_on_commit_callbacks(execute=True):
        payment.change_status(PaymentStatus.PREAUTH)  # as the provider does: the receiver runs
    # At the capture: no transaction of ours open (no order row locked), stock already taken,
    # the order not yet paid.
    assert RecordingProvider.calls == [("capture", 0, "pending_payment", 1)]
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PAID and _stock(order) == 1
    assert (payment.status, payment.captured_amount, payment.order_paid) == (
        PaymentStatus.CONFIRMED,
        Decimal("104.95"),
        True,
    )
    assert _events(order) == [("", "pending_payment"), ("pending_payment", "paid")]


def test_inside_a_callers_transaction_the_capture_waits_for_its_commit(django_capture_on_commit_callbacks):
    order = _order(stock=3, quantity=2)
    payment = payment_create(order=order, variant="recording")
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():  # as django-payments' @atomic callback view, or ATOMIC_REQUESTS
            payment.change_status(PaymentStatus.PREAUTH)
            assert RecordingProvider.calls == []
    assert RecordingProvider.calls == []
    assert _stock(order) == 1 and Payment.objects.get(pk=payment.pk).order_paid is True
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT
    for callback in callbacks:  # the caller's transaction has committed
        callback()
    assert RecordingProvider.calls == [("capture", 0, "pending_payment", 1)]
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID


def test_a_rolled_back_callers_transaction_calls_no_provider(django_capture_on_commit_callbacks):
    order = _order(stock=3, quantity=2)
    payment = payment_create(order=order, variant="recording")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            payment.change_status(PaymentStatus.PREAUTH)
            raise RuntimeError("the caller fails after the callback")
    assert RecordingProvider.calls == []
    assert _stock(order) == 3 and Payment.objects.get(pk=payment.pk).status == PaymentStatus.WAITING


def test_a_failed_capture_through_the_receiver_is_undone_and_a_replay_pays(django_capture_on_commit_callbacks):
    order = _order(stock=3, quantity=2)
    payment = payment_create(order=order, variant="recording")
    RecordingProvider.fail = {"capture"}
    with pytest.raises(PaymentError):
        payment.change_status(PaymentStatus.PREAUTH)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT and _stock(order) == 3
    assert _events(order) == [("", "pending_payment")]
    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.status, stored.order_paid, stored.captured_amount) == (PaymentStatus.PREAUTH, False, Decimal("0"))
    RecordingProvider.fail = set()
    with django_capture_on_commit_callbacks(execute=True):
        payment.change_status(PaymentStatus.PREAUTH)  # the provider's callback, replayed
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and _stock(order) == 1
    assert [call for call, *_ in RecordingProvider.calls] == ["capture", "capture"]


def test_sold_out_releases_after_the_cancellation_committed():
    theirs = _order(stock=2, quantity=2, name="Last coat")
    product = Product.objects.get(pk=_product_id(theirs))
    mine = order_placed(products=[product], quantities=[1], email="bob@example.com")
    payment_create(order=theirs, variant="recording").change_status(PaymentStatus.PREAUTH)
    payment = payment_create(order=mine, variant="recording")
    payment.change_status(PaymentStatus.PREAUTH)
    assert RecordingProvider.calls == [("capture", 0, "pending_payment", 0), ("release", 0, "cancelled", 0)]
    mine.refresh_from_db()
    payment.refresh_from_db()
    assert (mine.status, mine.cancel_reason) == (Order.Status.CANCELLED, "Sorry, Last coat sold out.")
    assert (payment.status, payment.message, payment.order_paid) == (
        PaymentStatus.REFUNDED,
        "Sorry, Last coat sold out.",
        False,
    )
    assert Product.objects.get(pk=product.pk).stock == 0


def test_a_replayed_callback_captures_once_and_takes_stock_once(django_capture_on_commit_callbacks):
    order = _order(stock=3, quantity=2)
    payment = payment_create(order=order, variant="recording")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        payment.change_status(PaymentStatus.PREAUTH)
        assert order_payment_settle(payment=payment) == Decision(Next.NOTHING)
        payment.change_status(PaymentStatus.CONFIRMED)
    assert [call for call, *_ in RecordingProvider.calls] == ["capture"]
    assert _stock(order) == 1 and len(callbacks) == 1  # one receipt
    assert Order.objects.get(pk=order.pk).events.filter(to_status="paid").count() == 1


def test_a_process_that_died_after_taking_stock_is_resumed_by_the_replay():
    order = _order(stock=3, quantity=2)
    payment = _authorised(order)
    with transaction.atomic():  # steps 1-2 committed, then the process died before capturing
        order_payment_authorise(payment=payment)
        order_stock_take(payment=payment)
    assert order_payment_settle(payment=payment) == Decision(Next.CAPTURE)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and _stock(order) == 1
    assert [call for call, *_ in RecordingProvider.calls] == ["capture"]


def test_a_second_payment_while_the_first_is_being_captured_is_given_back():
    order = _order(stock=3, quantity=2)
    first = _authorised(order)
    order_stock_take(payment=first)  # the first payment's capture is under way
    second = payment_create(order=order, variant="recording")
    second.change_status(PaymentStatus.PREAUTH)
    stored = Payment.objects.get(pk=second.pk)
    assert (stored.status, stored.message) == (
        PaymentStatus.REFUNDED,
        f"Order {order.number} was already paid (by another payment).",
    )
    assert _stock(order) == 1 and [call for call, *_ in RecordingProvider.calls] == ["release"]


def test_a_second_payment_for_a_paid_order_is_released_with_no_transaction_open():
    order = _order(stock=3, quantity=2)
    payment_create(order=order, variant="recording").change_status(PaymentStatus.PREAUTH)
    extra = Payment.objects.create(order=order, variant="recording", currency="USD", total=order.total)
    extra.change_status(PaymentStatus.PREAUTH)
    assert RecordingProvider.calls[-1] == ("release", 0, "paid", 1)
    assert Payment.objects.get(pk=extra.pk).message == f"Order {order.number} was already paid."
    assert _stock(order) == 1


# --- going back ---------------------------------------------------------------------------


def test_refund_calls_the_provider_before_locking_and_returns_the_stock():
    order = _order(stock=3, quantity=2)
    payment = payment_create(order=order, variant="recording")
    payment.change_status(PaymentStatus.PREAUTH)
    order.refresh_from_db()
    order_cancel(order=order, refund=True, reason="Customer returned it")
    assert RecordingProvider.calls[-1] == ("refund", 0, "paid", 1)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Order.Status.REFUNDED, "Customer returned it")
    assert _stock(order) == 3
    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.status, stored.captured_amount, stored.message) == (
        PaymentStatus.REFUNDED,
        Decimal("0"),
        "Customer returned it",
    )


def test_a_failed_refund_changes_neither_the_order_nor_its_stock():
    order = _order(stock=3, quantity=2)
    payment_create(order=order, variant="recording").change_status(PaymentStatus.PREAUTH)
    RecordingProvider.fail = {"refund"}
    with pytest.raises(PaymentError):
        order_cancel(order=Order.objects.get(pk=order.pk), refund=True)
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID and _stock(order) == 1
    assert list(Payment.objects.values_list("status", flat=True)) == [PaymentStatus.CONFIRMED]


def test_cancelling_while_a_capture_is_under_way_returns_the_stock_taken():
    order = _order(stock=3, quantity=2)
    payment = _authorised(order)
    order_stock_take(payment=payment)
    order_cancel(order=order, reason="Changed my mind")
    assert _stock(order) == 3 and Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.REFUNDED
    order_payment_capture(payment=payment)  # the capture step arrives late: nothing to capture
    assert [call for call, *_ in RecordingProvider.calls] == ["release"]


def test_cancel_refuses_to_run_inside_a_callers_transaction():
    order = _order()
    with pytest.raises(RuntimeError, match="outside a transaction"), transaction.atomic():
        order_cancel(order=order)
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT
