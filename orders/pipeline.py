"""The order pipeline: what happens to an order when money arrives for it, and when it goes back.

django-payments reports every payment status change (``status_changed``, fired inside
``payment.change_status``); ``orders.receivers`` hands each one to ``order_payment_settle``,
which runs the steps below. Each step is a function of its own, safe to run again: it re-reads
the order (under its row lock) and the payment, and does only what is still undone, so a
replayed callback, a double click or a process that died between two steps is resumed by
running the pipeline again.

1. **authorise** (``order_payment_authorise``): under the order's row lock, decide what this
   payment means for the order: nothing (it holds no money, or all is done), take stock, capture,
   mark paid, or give it back (an extra payment for an order already paid or being paid).
2. **take stock** (``order_stock_take``): in the same locked transaction, take the order's
   stock and record the payment as the one paying the order (``Payment.order_paid``); if an item
   sold out, cancel the order with the reason and give the money back.
3. **capture or release** (``order_payment_capture`` / ``payment_give_back``): the provider
   calls (network calls with Stripe), made only after that transaction committed, with no
   order row locked. When the caller's own transaction is still open around the receiver
   (django-payments' callback views are ``@atomic``, so are ``ATOMIC_REQUESTS`` views) they run
   from ``transaction.on_commit``. A failed capture gives the stock back and releases the
   order for another payment in a second locked transaction (``order_capture_undo``): the order
   is then exactly as before the payment (pending payment, stock untouched, no "paid" event),
   and never paid with the money not taken.
4. **mark paid** (``order_mark_paid``): under the lock again, once the money is captured, the
   order becomes paid (an ``OrderEvent``) and its sizes leave the shopper's cart.
5. **receipt** (``order_receipt_enqueue``): ``order_receipt_send_task`` is enqueued when that
   transaction commits.

Going back (``order_cancel``, staff's cancel and refund): give back each payment (provider
calls, no lock), cancel the unfinished ones, then under the lock return the stock taken
(``order_stock_return``) and mark the order cancelled or refunded.

::

    provider           receiver        pipeline                            database
       |  change_status   |               |                                   |
       |----------------->| settle ------>| 1 authorise --------------------->| lock order row
       |                  |               | 2 take stock, order_paid -------->| UPDATE stock … WHERE stock >= n
       |                  |               |---------------------------------->| COMMIT (lock released)
       |<---------------------------------| 3 capture / release / refund      |
       |                  |               |   (no transaction open)           |
       |                  |               |   capture failed: lock again ---->| stock back, order_paid off
       |                  |               | 4 mark paid --------------------->| lock, paid + event, COMMIT
       |                  |               | 5 receipt task, on commit         |

State that tells each step what is left (no other bookkeeping): the payment's ``status``
(``preauth``/``confirmed`` hold money), its ``order_paid`` flag (set with the stock taken) and
the order's ``status``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from payments import PaymentError, PaymentStatus

from accounts.models import User
from catalog.exceptions import InsufficientStock
from catalog.models import sellable_q
from catalog.services import variant_stock_return, variant_stock_take
from shop.services import cart_clear

from .exceptions import InvalidStatusTransition
from .models import Order, Payment
from .services import order_set_status
from .tasks import order_receipt_send_task

logger = logging.getLogger(__name__)

HOLDING_MONEY = (PaymentStatus.PREAUTH, PaymentStatus.CONFIRMED)
UNFINISHED = (PaymentStatus.WAITING, PaymentStatus.INPUT)


class Next(StrEnum):
    """What a payment still needs, as decided under the order's lock."""

    NOTHING = "nothing"  # holds no money, or everything is done
    TAKE_STOCK = "take_stock"
    CAPTURE = "capture"
    MARK_PAID = "mark_paid"
    GIVE_BACK = "give_back"


@dataclass(frozen=True)
class Decision:
    next: Next
    reason: str = ""  # why the money goes back (GIVE_BACK): stored on the payment


# --- the entry point ----------------------------------------------------------------------


def order_payment_settle(*, payment: Payment) -> Decision:
    """Run the pipeline for ``payment`` (the receiver's entry: any status change of a payment).

    Steps 1-2 (and 4 when no capture is needed) run in one transaction holding the order's row
    lock; the provider calls (3) and what follows them run after it commits, or after the
    caller's transaction commits when one is open. Returns the decision taken under the lock.
    Raises ``PaymentError`` from a failed capture (after undoing it) or give-back, when they run
    now; from ``on_commit`` they surface where the caller's transaction commits. Idempotent:
    every step re-checks the committed state, so replays and double clicks do nothing twice.
    """
    with transaction.atomic():
        decision = order_payment_authorise(payment=payment)
        if decision.next is Next.TAKE_STOCK:
            decision = order_stock_take(payment=payment)
        if decision.next is Next.MARK_PAID:
            order_mark_paid(payment=payment)
    if decision.next in (Next.CAPTURE, Next.GIVE_BACK):
        _after_commit(lambda: _money_move(payment=payment, decision=decision))
    return decision


def _money_move(*, payment: Payment, decision: Decision) -> None:
    if decision.next is Next.CAPTURE:
        order_payment_capture(payment=payment)
        order_mark_paid(payment=payment)
    else:
        payment_give_back(payment=payment, reason=decision.reason)


# --- 1. authorise -------------------------------------------------------------------------


@transaction.atomic
def order_payment_authorise(*, payment: Payment) -> Decision:
    """Decide, under the order's row lock, what ``payment`` still needs; writes nothing.

    Locks: the payment's ``Order`` row (``select_for_update``) until the transaction ends.
    Reads the payment's ``status`` and ``order_paid`` as committed (the caller's instance may be
    stale). A payment holding no money needs nothing; the order's own payment
    (``order_paid``) needs its capture (``preauth``) or the order marked paid (``confirmed``,
    order still pending), or, on an order cancelled meanwhile, giving back; any other payment
    needs the stock taken if the order is waiting for payment and no other payment is paying
    it, else giving back ("Order VT-… was already paid."). Raises nothing of its own.
    Idempotent: it only reads.
    """
    order = _order_lock(order_id=payment.order_id)
    return _decide(order=order, payment=payment)


def _decide(*, order: Order, payment: Payment) -> Decision:
    status, order_paid = Payment.objects.values_list("status", "order_paid").get(pk=payment.pk)
    if status not in HOLDING_MONEY:
        return Decision(Next.NOTHING)
    if order_paid:
        if order.status in (Order.Status.CANCELLED, Order.Status.REFUNDED):
            return Decision(Next.GIVE_BACK, f"Order {order.number} was {order.get_status_display().lower()}.")
        if status == PaymentStatus.PREAUTH:
            return Decision(Next.CAPTURE)  # also a capture interrupted after the stock was taken
        return Decision(Next.MARK_PAID if order.status == Order.Status.PENDING_PAYMENT else Next.NOTHING)
    if order.status != Order.Status.PENDING_PAYMENT:
        return Decision(Next.GIVE_BACK, f"Order {order.number} was already {order.get_status_display().lower()}.")
    if order.payments.filter(order_paid=True).exclude(pk=payment.pk).exists():
        return Decision(Next.GIVE_BACK, f"Order {order.number} was already paid (by another payment).")
    return Decision(Next.TAKE_STOCK)


# --- 2. take stock ------------------------------------------------------------------------


@transaction.atomic
def order_stock_take(*, payment: Payment) -> Decision:
    """Take the order's stock for ``payment`` and record it as the order's payment.

    Locks: the ``Order`` row, then each variant row in id order (``variant_stock_take``'s
    conditional ``UPDATE … WHERE stock >= n``, one per size), then their products' rows (the
    summed stock). If the payment still needs its stock taken
    (``order_payment_authorise``'s rule, checked again here), the stock is taken and
    ``Payment.order_paid`` set in the same transaction: that flag is the durable record that
    the stock is taken, so the step is never done twice. Returns ``CAPTURE`` (``preauth``) or
    ``MARK_PAID`` (``confirmed``). If an item sold out, or is no longer sold (archived, or its
    seller suspended or rejected since the order was placed), nothing is taken, the order is
    cancelled with the reason (``cancel_reason`` and a "cancelled" event) and ``GIVE_BACK`` is
    returned with that reason; ``InsufficientStock`` is not raised. Any other decision is
    returned as is.
    """
    order = _order_lock(order_id=payment.order_id)
    decision = _decide(order=order, payment=payment)
    if decision.next is not Next.TAKE_STOCK:
        return decision
    unsold = _order_unsellable_names(order)
    if unsold:  # archived since, or its seller suspended or rejected: not sold any more
        return _order_cancel_unsold(order=order, reason=f"Sorry, {', '.join(unsold)} is no longer sold.")
    try:
        variant_stock_take(quantities=_order_quantities(order))
    except InsufficientStock as exc:
        return _order_cancel_unsold(order=order, reason=str(exc))
    Payment.objects.filter(pk=payment.pk).update(order_paid=True)
    payment.order_paid = True
    return Decision(Next.CAPTURE if payment.status == PaymentStatus.PREAUTH else Next.MARK_PAID)


def _order_cancel_unsold(*, order: Order, reason: str) -> Decision:
    Order.objects.filter(pk=order.pk).update(cancel_reason=reason[:200])
    order.cancel_reason = reason[:200]
    order_set_status(order=order, status=Order.Status.CANCELLED, note=reason)
    return Decision(Next.GIVE_BACK, reason)


def _order_unsellable_names(order: Order) -> list[str]:
    """Names of the order's products that are no longer sold (``Product.is_sellable``: archived,
    or a seller not approved any more); lines whose product was deleted are left out."""
    lines = order.lines.filter(product__isnull=False).exclude(sellable_q("product__"))
    return sorted({line.product_name for line in lines})


def order_stock_return(*, order: Order, shipped: bool = True) -> None:
    """Put the order's quantities back into stock, per size (sizes deleted since are skipped);
    with ``shipped=False`` only the lines not yet shipped (no ``Fulfilment``): goods that left
    the warehouse are not on the shelf again until they come back.

    Locks: the variant and product rows it updates (``F()`` updates). Not idempotent on its own: call it
    where the order's status changes away from holding stock, under the order's lock
    (``order_cancel``, ``order_capture_undo``), which is what makes it happen once."""
    variant_stock_return(quantities=_order_quantities(order, unshipped_only=not shipped))


# --- 3. capture or release ----------------------------------------------------------------


def order_payment_capture(*, payment: Payment) -> None:
    """Capture an authorised payment (the provider call) and record the captured amount.

    Locks nothing, and must run with no transaction open (the pipeline calls it after
    commit): the provider is a network call. Does nothing unless the payment is the order's
    (``order_paid``) and still ``preauth`` as committed, so a replay captures once. A
    ``PaymentError`` is undone (``order_capture_undo``: stock back, the order payable again)
    and raised again.
    """
    status, order_paid = Payment.objects.values_list("status", "order_paid").get(pk=payment.pk)
    if status != PaymentStatus.PREAUTH or not order_paid:
        return
    payment.status = status
    try:
        payment.capture()
    except PaymentError as exc:
        order_capture_undo(payment=payment, error=str(exc))
        raise
    # django-payments saves only the status on capture; keep the captured amount too.
    Payment.objects.filter(pk=payment.pk).update(captured_amount=payment.captured_amount)


@transaction.atomic
def order_capture_undo(*, payment: Payment, error: str) -> None:
    """After a failed capture: give the order's stock back and release the order for another
    payment (``order_paid`` off, the error kept in the payment's ``message``).

    Locks: the ``Order`` row. The order stays (or is again) pending payment with no "paid"
    event: as if the payment had not arrived; the authorisation itself is left to the provider
    (it expires) or to a replayed callback, which runs the pipeline again. Idempotent: does
    nothing unless the payment is still the order's, still ``preauth`` and the order pending.
    """
    order = _order_lock(order_id=payment.order_id)
    current = Payment.objects.filter(pk=payment.pk, order_paid=True, status=PaymentStatus.PREAUTH)
    if order.status != Order.Status.PENDING_PAYMENT or not current.exists():
        return
    order_stock_return(order=order)
    message = f"Capture failed: {error}"[:1000]
    current.update(order_paid=False, message=message)
    payment.order_paid, payment.message = False, message
    logger.warning("Capture of payment %s for order %s failed: %s", payment.pk, order.number, error)


def payment_give_back(*, payment: Payment, reason: str) -> None:
    """Release an authorisation or refund a capture (the provider call), recording why in the
    payment's ``message``.

    Locks nothing, and must run with no transaction open (the pipeline and ``order_cancel``
    call it after commit or before locking). Reads the payment's status as committed first: a
    payment already given back (``refunded``) is left alone, so a replay gives back once.
    Raises ``PaymentError`` from the provider; the payment keeps its status then, for a retry.
    """
    payment.refresh_from_db(fields=["status", "captured_amount"])
    if payment.status == PaymentStatus.PREAUTH:
        payment.release()
    elif payment.status == PaymentStatus.CONFIRMED:
        payment.refund(amount=payment.captured_amount or payment.total)
    else:
        return
    payment.message = reason[:1000]
    Payment.objects.filter(pk=payment.pk).update(message=payment.message)


# --- 4. mark paid, 5. receipt -------------------------------------------------------------


@transaction.atomic
def order_mark_paid(*, payment: Payment) -> Order:
    """Mark the order paid by ``payment`` once its money is taken, clear those sizes from the
    shopper's cart and enqueue the receipt.

    Locks: the ``Order`` row. Does something only while the order is pending payment and the
    payment is the order's (``order_paid``) and ``confirmed``: a second call (a replay, or the
    provider's own status signal during the capture) finds the order paid and returns it.
    Raises ``InvalidStatusTransition`` never in practice (pending → paid is allowed).
    """
    order = _order_lock(order_id=payment.order_id)
    paying = Payment.objects.filter(pk=payment.pk, order_paid=True, status=PaymentStatus.CONFIRMED).exists()
    if order.status != Order.Status.PENDING_PAYMENT or not paying:
        return order
    order_set_status(
        order=order, status=Order.Status.PAID, note=f"Paid ({payment.variant}, {payment.total} {payment.currency})"
    )
    cart_clear(cart_id=order.cart_id, variant_ids=list(_order_quantities(order)))
    order_receipt_enqueue(order=order)
    return order


def order_receipt_enqueue(*, order: Order) -> None:
    """Enqueue ``order_receipt_send_task`` once the current transaction commits.

    Locks nothing. ``robust``: a broker (or, with eager Celery, an SMTP server) that is down
    must not turn a paid order into an error page; the receipt stays unsent
    (``receipt_sent_at`` is None) for a retry from the admin. Idempotent downstream: the task
    sends a receipt once."""
    order_id = order.pk
    transaction.on_commit(lambda: order_receipt_send_task.delay(order_id), robust=True)


# --- going back ---------------------------------------------------------------------------


def order_cancel(
    *, order: Order, actor: User | None = None, reason: str = "", refund: bool = False, restock: bool = False
) -> Order:
    """Cancel an order (or, with ``refund``, refund a paid/shipped/delivered one): money taken is
    given back through the provider, unfinished payments are cancelled, and the stock taken for
    the lines not shipped yet is returned. Shipped lines (a refund of a shipped or delivered
    order: lost in transit, a dispute) are restocked only with ``restock=True``, when the goods
    came back: else the shop would sell units it no longer has.

    The provider calls run first, with no lock held, and each is recorded on its payment as it
    succeeds; then, under the order's row lock, the stock goes back and the status changes
    (``order_set_status``, with the reason). Raises ``InvalidStatusTransition`` before any
    provider call, or ``PaymentError`` (the order and its stock are unchanged then; payments
    already given back stay so, and running it again gives back the rest). Raises
    ``RuntimeError`` inside a caller's transaction: a rollback would forget money given back.
    """
    if _caller_transaction_open():
        raise RuntimeError("order_cancel makes provider calls: call it outside a transaction.")
    target = Order.Status.REFUNDED if refund else Order.Status.CANCELLED
    reason = reason or ("Refunded" if refund else "Cancelled")
    _transition_check(order=Order.objects.get(pk=order.pk), target=target)
    for payment in order.payments.filter(status__in=HOLDING_MONEY):
        try:
            payment_give_back(payment=payment, reason=reason)
        except PaymentError:
            logger.exception("Refund of payment %s for order %s failed", payment.pk, order.number)
            raise
    for payment in order.payments.filter(status__in=UNFINISHED):
        payment.cancel()  # the provider's too (Stripe expires its checkout session)
    with transaction.atomic():
        locked = _order_lock(order_id=order.pk)
        _transition_check(order=locked, target=target)
        if locked.is_paid or locked.payments.filter(order_paid=True).exists():
            order_stock_return(order=locked, shipped=restock)
        Order.objects.filter(pk=order.pk).update(cancel_reason=reason[:200])
        locked = order_set_status(order=locked, status=target, actor=actor, note=reason)
    order.status, order.cancel_reason = locked.status, reason[:200]
    return order


# --- helpers ------------------------------------------------------------------------------


def _order_lock(*, order_id: int) -> Order:
    return Order.objects.select_for_update().get(pk=order_id)


def _order_quantities(order: Order, *, unshipped_only: bool = False) -> dict[int, int]:
    """Variant id → units of the order's lines (lines whose size was deleted since are left out;
    with ``unshipped_only``, the lines already in a fulfilment too)."""
    lines = order.lines.filter(fulfilment__isnull=True) if unshipped_only else order.lines.all()
    quantities: dict[int, int] = {}
    for line in lines:
        if line.variant_id is not None:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    return quantities


def _transition_check(*, order: Order, target: str) -> None:
    if target not in Order.TRANSITIONS[order.status]:
        raise InvalidStatusTransition(
            f"An order that is {order.get_status_display().lower()} cannot be {Order.Status(target).label.lower()}."
        )


def _caller_transaction_open() -> bool:
    """Whether a transaction opened by a caller is still open on the default connection.

    A test case's wrapping transactions do not count: Django's own ``atomic(durable=True)``
    check skips them the same way (``Atomic._from_testcase``), as they stand in for autocommit.
    """
    connection = transaction.get_connection()
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _after_commit(func: Callable[[], None]) -> None:
    """Run ``func`` (a provider call) now if no caller's transaction is open — ours has just
    committed, so no order row is locked — else once the caller's transaction commits (not at
    all if it rolls back: then nothing was recorded that the call would complete)."""
    if _caller_transaction_open():
        transaction.on_commit(func)
    else:
        func()
