"""Writes to orders: placing an order from a cart, starting a payment, status changes, the
receipt. What a payment does to an order (stock, capture, paid, cancel and refund) is the
order pipeline, ``orders.pipeline``."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from payments import PaymentStatus

from accounts.models import PostalAddress, Seller, User
from catalog.exceptions import InsufficientStock
from core.exceptions import Conflict, ShopError
from shop.models import Cart
from shop.selectors import cart_summary
from shop.shipping import delivery_estimate, shipping_method_get

from .emails import order_receipt_message
from .exceptions import InvalidStatusTransition, OrderNotPayable, OrderNotShippable, OrderTooLarge
from .models import Fulfilment, Order, OrderEvent, OrderLine, Payment
from .tasks import MAIL_TIME_LIMIT, order_link_send_task

#: The largest order total: a payment's amounts (django-payments' ``BasePayment``) hold 9 digits,
#: 2 of them decimals, where an order's hold 12; a larger order would fail at payment.
ORDER_TOTAL_MAX = Decimal("9999999.99")


class EmptyCart(ShopError):
    """Checkout of a cart with nothing in it (400)."""


class CheckoutConflict(Conflict):
    """A checkout token reused for a different cart or customer (409)."""


class ShippingAddress:
    """The delivery address given at checkout: the ``PostalAddress.ADDRESS_FIELDS`` as text
    (``country``: an ISO 3166-1 alpha-2 code), passed by keyword. The fields the model allows
    blank default to ""; a missing required field or an unknown one is a ``TypeError``, as for
    a dataclass. Immutable, compared by value; ``as_dict()`` gives the fields in order."""

    FIELDS: ClassVar[tuple[str, ...]] = PostalAddress.ADDRESS_FIELDS
    _OPTIONAL: ClassVar[frozenset[str]] = frozenset(field.name for field in PostalAddress._meta.fields if field.blank)
    __slots__ = ("_values",)
    _values: dict[str, str]

    def __init__(self, **values: str) -> None:
        unknown = sorted(set(values) - set(self.FIELDS))
        if unknown:
            raise TypeError(f"ShippingAddress got unexpected fields: {', '.join(unknown)}")
        missing = [name for name in self.FIELDS if name not in values and name not in self._OPTIONAL]
        if missing:
            raise TypeError(f"ShippingAddress is missing required fields: {', '.join(missing)}")
        object.__setattr__(self, "_values", {name: values.get(name, "") for name in self.FIELDS})

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ShippingAddress:
        """The address fields of ``data`` (a form's or serializer's cleaned data, which holds
        every field), other keys ignored."""
        return cls(**{name: data[name] for name in cls.FIELDS})

    def __getattr__(self, name: str) -> str:
        if name == "_values":  # not set yet (e.g. while being copied): no address fields then
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __reduce__(self) -> tuple[Any, tuple[dict[str, str]]]:
        return (self.__class__.from_data, (self.as_dict(),))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ShippingAddress is immutable.")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ShippingAddress) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(self._values.values()))

    def __repr__(self) -> str:
        return f"ShippingAddress({', '.join(f'{k}={v!r}' for k, v in self._values.items())})"

    def as_dict(self) -> dict[str, str]:
        return dict(self._values)


# django-payments' billing fields filled from the order's address (its name is split in two).
PAYMENT_BILLING_FIELDS = {
    "billing_address_1": "address_line1",
    "billing_address_2": "address_line2",
    "billing_city": "city",
    "billing_postcode": "postcode",
    "billing_country_code": "country",
    "billing_country_area": "region",
}


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
def order_lines_ship(
    *,
    order: Order,
    seller: Seller | None,
    tracking_number: str,
    carrier: str = "",
    actor: User | None = None,
) -> Fulfilment:
    """Ship the unshipped lines of a paid order in one parcel: ``seller``'s own lines (a seller
    shipping from the dashboard), or with ``seller=None`` every line left (staff). Records a
    ``Fulfilment`` with the tracking number (required, at most 64 characters) and carrier; when
    no line of the order is left unshipped, the order becomes shipped through
    ``order_set_status`` (an ``OrderEvent`` by ``actor``).

    Raises ``OrderNotShippable`` (409) for an order that is not paid or with nothing of
    ``seller``'s left to ship, ``ValidationError`` for a missing or too long tracking number.
    The order row is locked, so two sellers shipping their lines at once see each other's."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != Order.Status.PAID:
        raise OrderNotShippable(
            f"Order {locked.number} is {locked.get_status_display().lower()}; only paid orders are shipped."
        )
    lines = locked.lines.filter(fulfilment__isnull=True)
    if seller is not None:
        lines = lines.filter(seller=seller)
    line_ids = list(lines.values_list("pk", flat=True))
    if not line_ids:
        raise OrderNotShippable(f"Order {locked.number} has nothing left to ship.")
    fulfilment = Fulfilment(
        order=locked,
        seller=seller,
        tracking_number=tracking_number.strip(),
        carrier=carrier.strip(),
        created_by=actor,
    )
    fulfilment.full_clean()
    fulfilment.save()
    OrderLine.objects.filter(pk__in=line_ids).update(fulfilment=fulfilment)
    if not locked.lines.filter(fulfilment__isnull=True).exists():
        parcel = f"{fulfilment.carrier} {fulfilment.tracking_number}".strip()
        order_set_status(order=order, status=Order.Status.SHIPPED, actor=actor, note=f"Shipped: {parcel}")
    return fulfilment


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
    (``orders.pipeline.order_stock_take``). Raises ``EmptyCart``, ``InsufficientStock``,
    ``InvalidShippingMethod``, ``OrderTooLarge`` (a total over ``ORDER_TOTAL_MAX``),
    ``CheckoutConflict`` or ``ValidationError`` (bad address/email).
    """
    user = user if user is not None and user.is_authenticated else None
    existing = Order.objects.filter(checkout_token=checkout_token).first()
    if existing is not None:
        return _order_for_token(existing, cart=cart, user=user)
    summary = cart_summary(cart=cart)
    if summary.is_empty:
        raise EmptyCart("Your cart is empty.")
    if summary.problems:
        names = [str(item.variant) for item in summary.items if item.problem]
        raise InsufficientStock(" ".join(summary.problems), product_names=names)
    method = shipping_method_get(code=shipping_method)
    if summary.subtotal + method.price > ORDER_TOTAL_MAX:
        raise OrderTooLarge(
            f"An order can total at most {ORDER_TOTAL_MAX:,} {settings.SHOP_CURRENCY}: "
            "please split it into smaller ones."
        )
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
        **address.as_dict(),
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
            variant=item.variant,
            seller_id=item.product.seller_id,
            product_name=item.product.name,
            size=item.variant.size,
            sku=item.variant.sku,
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
        **{billing: str(getattr(order, field)) for billing, field in PAYMENT_BILLING_FIELDS.items()},
        billing_email=order.email,
        customer_ip_address=ip_address,
    )


class ReceiptBeingSent(OSError):
    """Another attempt holds a live claim on the order's receipt (retried, as an ``OSError``)."""


#: A receipt claim older than this (seconds) is dead: past the mail task's hard time limit, the
#: worker that made it was killed.
RECEIPT_CLAIM_SECONDS = MAIL_TIME_LIMIT + 30


def order_receipt_send(*, order_id: int, now: datetime | None = None) -> str:
    """Email the receipt of a paid order, once. Returns "sent", "already sent", "not paid" or
    "missing"; raises ``ReceiptBeingSent`` while another attempt's claim is live (younger than
    ``RECEIPT_CLAIM_SECONDS``), and the send's error (SMTP, ``TimeoutError`` past
    ``EMAIL_TIMEOUT``) for a retry, after giving the claim up.

    No row lock is held during the network call: the attempt first claims the receipt with one
    conditional ``UPDATE … SET receipt_claimed_at = now WHERE receipt_sent_at IS NULL AND (no
    claim or a dead one)``, so two workers running the same task send one receipt, while staff
    can ship, cancel or refund the order meanwhile. A worker killed mid-send leaves a claim that
    expires, and the redelivered task sends it then (at least once)."""
    now = now or timezone.now()
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return "missing"
    if not order.is_paid:
        return "not paid"
    if order.receipt_sent_at is not None:
        return "already sent"
    dead = now - timedelta(seconds=RECEIPT_CLAIM_SECONDS)
    claimed = (
        Order.objects.filter(pk=order_id, receipt_sent_at__isnull=True)
        .filter(Q(receipt_claimed_at__isnull=True) | Q(receipt_claimed_at__lt=dead))
        .update(receipt_claimed_at=now)
    )
    if not claimed:
        if Order.objects.filter(pk=order_id, receipt_sent_at__isnull=False).exists():
            return "already sent"
        raise ReceiptBeingSent(f"The receipt of order {order.number} is being sent by another attempt.")
    try:
        order_receipt_message(order=order).send()
    except BaseException:
        Order.objects.filter(pk=order_id, receipt_claimed_at=now).update(receipt_claimed_at=None)
        raise
    Order.objects.filter(pk=order_id).update(receipt_sent_at=timezone.now())
    return "sent"


#: the cancel reason of an order whose payment did not arrive in time (``order_expire_unpaid``)
ORDER_EXPIRED_NOTE = "Payment not received in time, so the order was cancelled; nothing was charged."


def order_expire_unpaid(*, now: datetime | None = None) -> list[str]:
    """Cancel every order still waiting for payment ``ORDER_PAYMENT_EXPIRY_MINUTES`` after it
    was placed, through ``order_set_status`` (note ``ORDER_EXPIRED_NOTE``). An order a payment is
    being taken for (one whose payment took the stock, ``Payment.order_paid``) is left to the
    pipeline. Safe to run twice and alongside a payment: each order is re-checked under its row
    lock, and a payment arriving later for a cancelled order is given back (``orders.pipeline``).
    Nothing is released: stock is only taken at payment. Returns the cancelled orders' numbers.
    """
    cutoff = (now or timezone.now()) - timedelta(minutes=settings.ORDER_PAYMENT_EXPIRY_MINUTES)
    candidates = (
        Order.objects.filter(status=Order.Status.PENDING_PAYMENT, created_at__lt=cutoff)
        .exclude(payments__order_paid=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    expired = []
    for pk in list(candidates):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=pk)
            if order.status != Order.Status.PENDING_PAYMENT or order.payments.filter(order_paid=True).exists():
                continue
            order_set_status(order=order, status=Order.Status.CANCELLED, note=ORDER_EXPIRED_NOTE)
            Order.objects.filter(pk=pk).update(cancel_reason=ORDER_EXPIRED_NOTE)
            expired.append(order.number)
    return expired


def order_link_send(*, order: Order) -> bool:
    """Email a fresh link to a guest ``order``, to the address it was placed with, unless one went
    to this order or to this address in the last ``ORDER_LINK_EMAIL_INTERVAL_MINUTES``.

    Returns ``True`` when the email is enqueued, ``False`` when it was not (sent recently). The
    marks live in the shared cache (Redis in production): atomic ``add``, so two concurrent
    requests send one email. Nothing is written to the database, so the task is enqueued at once."""
    timeout = settings.ORDER_LINK_EMAIL_INTERVAL_MINUTES * 60
    address = hashlib.sha256(order.email.strip().lower().encode()).hexdigest()
    if not cache.add(f"orders:link-sent:order:{order.pk}", True, timeout):
        return False
    if not cache.add(f"orders:link-sent:address:{address}", True, timeout):
        return False
    order_link_send_task.delay(order.pk)
    return True
