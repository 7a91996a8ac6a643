"""Writes to orders: placing an order from a cart, payments, status changes, stock."""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from payments import PaymentError, PaymentStatus

from accounts.models import User
from catalog.exceptions import InsufficientStock, ShopError
from catalog.services import product_stock_return, product_stock_take
from shop.models import Cart
from shop.selectors import cart_summary
from shop.services import cart_clear
from shop.shipping import delivery_estimate, shipping_method_get

from .exceptions import InvalidStatusTransition, OrderNotPayable
from .models import Order, OrderEvent, OrderLine, Payment

logger = logging.getLogger(__name__)


class EmptyCart(ShopError):
    """Checkout of a cart with nothing in it."""


class CheckoutConflict(ShopError):
    """A checkout token reused for a different cart or customer."""


@dataclass(frozen=True)
class ShippingAddress:
    full_name: str
    address_line1: str
    city: str
    postcode: str
    country: str  # ISO 3166-1 alpha-2
    address_line2: str = ""
    region: str = ""
    phone: str = ""


def order_set_status(*, order: Order, status: str, actor: User | None = None, note: str = "") -> Order:
    """Move ``order`` to ``status`` if ``Order.TRANSITIONS`` allows it, and record an
    ``OrderEvent``. Raises ``InvalidStatusTransition``. The only place an order's status changes."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if status not in Order.TRANSITIONS[locked.status]:
            raise InvalidStatusTransition(
                f"An order that is {locked.get_status_display().lower()} cannot become "
                f"{Order.Status(status).label.lower()}."
            )
        OrderEvent.objects.create(
            order=locked, from_status=locked.status, to_status=status, note=note[:300], actor=actor
        )
        Order.objects.filter(pk=order.pk).update(status=status, updated_at=timezone.now())
    order.status = status
    return order


@transaction.atomic
def order_place(
    *,
    cart: Cart,
    email: str,
    address: ShippingAddress,
    shipping_method: str,
    checkout_token: uuid.UUID,
    user: User | AnonymousUser | None = None,
    today: date | None = None,
) -> Order:
    """Turn the cart into an order waiting for payment, at the catalog's current prices.

    Submitting the same ``checkout_token`` again (a double click, a reload) returns the order
    already placed. Stock is checked here but only taken when payment succeeds
    (``order_payment_update``). Raises ``EmptyCart``, ``InsufficientStock``,
    ``InvalidShippingMethod``, ``CheckoutConflict`` or ``ValidationError`` (bad address/email).
    """
    user = user if user is not None and user.is_authenticated else None
    existing = Order.objects.filter(checkout_token=checkout_token).first()
    if existing is not None:
        return _order_for_token(existing, cart=cart, user=user)
    summary = cart_summary(cart=cart)
    if summary.is_empty:
        raise EmptyCart("Your cart is empty.")
    if summary.problems:
        names = [item.product.name for item in summary.items if item.problem]
        raise InsufficientStock(" ".join(summary.problems), product_names=names)
    method = shipping_method_get(code=shipping_method)
    earliest, latest = delivery_estimate(method=method, start=today or timezone.localdate())
    order = Order(
        user=user,
        email=email,
        checkout_token=checkout_token,
        cart=cart,
        shipping_method=method.code,
        shipping_method_name=f"{method.name} ({method.description})",
        delivery_earliest=earliest,
        delivery_latest=latest,
        currency=settings.SHOP_CURRENCY,
        subtotal=summary.subtotal,
        shipping_price=method.price,
        total=summary.subtotal + method.price,
        **asdict(address),
    )
    order.full_clean(exclude=["cart", "user"])
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        # The same form submitted twice at once: the other request placed it.
        return _order_for_token(Order.objects.get(checkout_token=checkout_token), cart=cart, user=user)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=item.product,
            product_name=item.product.name,
            sku=item.product.sku,
            unit_price=item.unit_price,
            quantity=item.quantity,
            line_total=item.line_total,
        )
        for item in summary.items
    )
    OrderEvent.objects.create(order=order, to_status=order.status, note="Order placed", actor=user)
    return order


def _order_for_token(order: Order, *, cart: Cart, user: User | None) -> Order:
    if order.cart_id != cart.pk or order.user_id != (user.pk if user else None):
        raise CheckoutConflict("This checkout was already used. Please start again from your cart.")
    return order


@transaction.atomic
def payment_create(*, order: Order, variant: str | None = None, ip_address: str | None = None) -> Payment:
    """A payment for the order's total with the configured provider (``PAYMENT_VARIANT``).
    An unfinished attempt with the same provider is reused. Raises ``OrderNotPayable``."""
    variant = variant or settings.PAYMENT_VARIANT
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.status != Order.Status.PENDING_PAYMENT:
        raise OrderNotPayable(f"Order {order.number} is {order.get_status_display().lower()}; it cannot be paid.")
    unfinished = order.payments.filter(
        variant=variant, status__in=[PaymentStatus.WAITING, PaymentStatus.INPUT], total=order.total
    ).first()
    if unfinished is not None:
        return unfinished
    first, _, last = order.full_name.partition(" ")
    return Payment.objects.create(
        order=order,
        variant=variant,
        currency=order.currency,
        total=order.total,
        delivery=order.shipping_price,
        description=f"{settings.SHOP_NAME} order {order.number}",
        billing_first_name=first,
        billing_last_name=last,
        billing_address_1=order.address_line1,
        billing_address_2=order.address_line2,
        billing_city=order.city,
        billing_postcode=order.postcode,
        billing_country_code=str(order.country),
        billing_country_area=order.region,
        billing_email=order.email,
        customer_ip_address=ip_address,
    )


def _order_quantities(order: Order) -> dict[int, int]:
    return {line.product_id: line.quantity for line in order.lines.all() if line.product_id is not None}


def _payment_capture(payment: Payment) -> None:
    payment.capture()
    # django-payments saves only the status on capture; keep the captured amount too.
    Payment.objects.filter(pk=payment.pk).update(captured_amount=payment.captured_amount)


def _payment_give_back(payment: Payment, reason: str) -> None:
    """Release an authorisation or refund a capture (the provider call), recording why."""
    if payment.status == PaymentStatus.PREAUTH:
        payment.release()
    elif payment.status == PaymentStatus.CONFIRMED:
        payment.refund(amount=payment.captured_amount or payment.total)
    payment.message = reason[:1000]
    Payment.objects.filter(pk=payment.pk).update(message=payment.message)


@transaction.atomic
def order_payment_update(*, payment: Payment) -> Order:
    """React to a payment's new status (django-payments' ``status_changed``).

    When the payment is authorised or captured, the order's stock is taken and the order becomes
    paid; an authorisation is captured only after the stock is secured. If an item sold out in
    the meantime, the money goes back (released or refunded) and the order is cancelled with
    the reason. Idempotent: a replayed callback, a double click or a second payment for an order
    already paid never charges twice or takes stock twice (an extra payment is given back).
    ``payment`` is the caller's instance and is updated in place.
    """
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    if payment.status not in (PaymentStatus.PREAUTH, PaymentStatus.CONFIRMED):
        return order
    if Payment.objects.filter(pk=payment.pk, order_paid=True).exists():
        payment.order_paid = True
        if payment.status == PaymentStatus.PREAUTH:
            _payment_capture(payment)  # a capture interrupted after the order was paid
        return order
    if order.status != Order.Status.PENDING_PAYMENT:
        _payment_give_back(payment, f"Order {order.number} was already {order.get_status_display().lower()}.")
        return order
    try:
        product_stock_take(quantities=_order_quantities(order))
    except InsufficientStock as exc:
        _payment_give_back(payment, str(exc))
        Order.objects.filter(pk=order.pk).update(cancel_reason=str(exc)[:200])
        order.cancel_reason = str(exc)[:200]
        return order_set_status(order=order, status=Order.Status.CANCELLED, note=str(exc))
    Payment.objects.filter(pk=payment.pk).update(order_paid=True)
    payment.order_paid = True
    order_set_status(
        order=order, status=Order.Status.PAID, note=f"Paid ({payment.variant}, {payment.total} {payment.currency})"
    )
    if payment.status == PaymentStatus.PREAUTH:
        _payment_capture(payment)  # a PaymentError rolls everything back: stock, status, event
    cart_clear(cart_id=order.cart_id, product_ids=list(_order_quantities(order)))
    from .tasks import order_receipt_send_task

    order_id = order.pk
    # robust: a broker (or, with eager Celery, an SMTP server) that is down must not turn a paid
    # order into an error page; the receipt stays unsent (receipt_sent_at is None) for a retry.
    transaction.on_commit(lambda: order_receipt_send_task.delay(order_id), robust=True)
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor: User | None = None, reason: str = "", refund: bool = False) -> Order:
    """Cancel an order (or, with ``refund``, refund a paid/shipped/delivered one): money taken is
    refunded through the provider, stock taken is returned. Raises ``InvalidStatusTransition``
    or ``PaymentError`` (nothing changes then)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    target = Order.Status.REFUNDED if refund else Order.Status.CANCELLED
    reason = reason or ("Refunded" if refund else "Cancelled")
    if target not in Order.TRANSITIONS[order.status]:
        raise InvalidStatusTransition(
            f"An order that is {order.get_status_display().lower()} cannot be {target.label.lower()}."
        )
    was_paid = order.is_paid
    for payment in order.payments.filter(status__in=[PaymentStatus.PREAUTH, PaymentStatus.CONFIRMED]):
        try:
            _payment_give_back(payment, reason)
        except PaymentError:
            logger.exception("Refund of payment %s for order %s failed", payment.pk, order.number)
            raise
    for payment in order.payments.filter(status__in=[PaymentStatus.WAITING, PaymentStatus.INPUT]):
        payment.cancel()  # the provider's too (Stripe expires its checkout session)
    if was_paid:
        product_stock_return(quantities=_order_quantities(order))
    Order.objects.filter(pk=order.pk).update(cancel_reason=reason[:200])
    return order_set_status(order=order, status=target, actor=actor, note=reason)


def order_receipt_send(*, order_id: int) -> str:
    """Email the receipt of a paid order, once. Returns "sent", "already sent", "not paid" or
    "missing". The order row stays locked while the message goes out, so two workers running
    the same task send one receipt; a worker killed mid-send leaves it unsent for the
    redelivered task (at least once). A failed send (SMTP error) raises, for a retry."""
    from .emails import order_receipt_message

    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            return "missing"
        if not order.is_paid:
            return "not paid"
        if order.receipt_sent_at is not None:
            return "already sent"
        order_receipt_message(order=order).send()
        Order.objects.filter(pk=order_id).update(receipt_sent_at=timezone.now())
    return "sent"
