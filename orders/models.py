from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.urls import reverse
from payments import PurchasedItem
from payments.models import BasePayment

from accounts.models import PostalAddress
from core.money import money_field

from .links import order_link_url

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager

NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def order_number_generate() -> str:
    """A random, unguessable order number such as ``VT-7KQ2-M9XD`` (40 bits)."""
    raw = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"VT-{raw[:4]}-{raw[4:]}"


class Order(PostalAddress):  # type: ignore[django-manager-missing]  # payments: declared below (untyped base)
    # PostalAddress: the shipping address, copied from the checkout form
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Pending payment"
        PAID = "paid", "Paid"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"

    # The only moves orders.services.order_set_status allows.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.PENDING_PAYMENT: frozenset({Status.PAID, Status.CANCELLED}),
        Status.PAID: frozenset({Status.SHIPPED, Status.CANCELLED, Status.REFUNDED}),
        Status.SHIPPED: frozenset({Status.DELIVERED, Status.REFUNDED}),
        Status.DELIVERED: frozenset({Status.REFUNDED}),
        Status.CANCELLED: frozenset(),
        Status.REFUNDED: frozenset(),
    }

    number = models.CharField(max_length=16, unique=True, default=order_number_generate, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.EmailField(db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT, db_index=True)
    shipping_method = models.CharField(max_length=20)
    shipping_method_name = models.CharField(max_length=100)
    delivery_earliest = models.DateField()
    delivery_latest = models.DateField()
    currency = models.CharField(max_length=3)
    subtotal = money_field()
    shipping_price = money_field()
    total = money_field()
    # One checkout form submission makes one order, however often it is submitted.
    checkout_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    # The cart this order came from; emptied when the order is paid.
    cart = models.ForeignKey("shop.Cart", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancel_reason = models.CharField(max_length=200, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    # When a worker started sending the receipt (orders.services.order_receipt_send): the claim
    # that lets it send with no row lock held; a claim older than the task's time limit is dead.
    receipt_claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Payment's base class (django-payments) is untyped, so the stubs' plugin cannot add this itself.
    payments: RelatedManager[Payment]

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(subtotal__gte=0), name="order_subtotal_gte_0"),
            models.CheckConstraint(condition=models.Q(shipping_price__gte=0), name="order_shipping_gte_0"),
            # total = subtotal + shipping_price is kept by order_place (SQLite compares decimals
            # as floats, so it cannot be a database constraint there).
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_gte_0"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:order_detail", kwargs={"number": self.number})

    @property
    def is_paid(self) -> bool:
        return self.status in (self.Status.PAID, self.Status.SHIPPED, self.Status.DELIVERED)


class Fulfilment(models.Model):
    """One parcel sent for an order: the lines in it (``lines``), who sent it and its tracking
    number. A seller ships their own lines of an order (``seller``); staff may ship any line
    (``seller`` None: the shop's own parcel). When every line of an order is in a fulfilment,
    the order becomes shipped (``orders.services.order_lines_ship``)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfilments")
    # Like OrderLine.seller: a parcel a seller sent stays theirs (PROTECT).
    seller = models.ForeignKey(
        "accounts.Seller", null=True, blank=True, on_delete=models.PROTECT, related_name="fulfilments"
    )
    tracking_number = models.CharField(max_length=64)
    carrier = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order}: {self.carrier + ' ' if self.carrier else ''}{self.tracking_number}"


class OrderLine(models.Model):
    """One size of a product in an order, with the name, size, SKU (the size's), unit price and
    seller it was sold at. Stock is taken and returned per ``variant``."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    variant = models.ForeignKey(
        "catalog.ProductVariant", null=True, blank=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    # Who sold it, snapshotted at order placement like the name and price (None: the shop's own
    # catalog): the line stays the seller's to ship and in their sales after the product is
    # deleted or changes hands. PROTECT, not SET_NULL: a sale is an accounting record, so a
    # seller who has sold is suspended, never deleted (as Product.seller already protects them).
    seller = models.ForeignKey(
        "accounts.Seller", null=True, blank=True, on_delete=models.PROTECT, related_name="order_lines"
    )
    # The parcel this line left in; None until shipped.
    fulfilment = models.ForeignKey(Fulfilment, null=True, blank=True, on_delete=models.SET_NULL, related_name="lines")
    product_name = models.CharField(max_length=200)
    size = models.CharField(max_length=20, blank=True)  # "" = one size
    sku = models.CharField("SKU", max_length=64)
    unit_price = money_field()
    quantity = models.PositiveIntegerField()
    line_total = money_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_quantity_gt_0"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="orderline_unit_price_gte_0"),
            models.UniqueConstraint(fields=["order", "variant"], name="orderline_unique_variant"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.name_with_size}"

    @property
    def name_with_size(self) -> str:
        """The product name with the size in brackets ("Trainers (EU 42)"); the name alone for one size."""
        return f"{self.product_name} ({self.size})" if self.size else self.product_name


class OrderEvent(models.Model):
    """A status change of an order: who, when, from and to what, and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Order.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Order.Status.choices)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order}: {self.from_status or '∅'} → {self.to_status}"


class Payment(BasePayment):
    """A django-payments transaction for an order (one per attempt: a declined card, then a
    second card, are two payments of the same order)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    # This payment is the one paying its order: set with the stock taken (orders.pipeline),
    # cleared again only if its capture fails and the stock goes back.
    order_paid = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created", "-id"]

    def get_success_url(self) -> str:
        return order_link_url(order=self.order, absolute=True)

    def get_failure_url(self) -> str:
        url = order_link_url(order=self.order, absolute=True, view="orders:order_pay")
        return url + ("&" if "?" in url else "?") + "declined=1"

    def get_purchased_items(self) -> Iterator[PurchasedItem]:
        for line in self.order.lines.all():
            yield PurchasedItem(
                name=line.name_with_size,
                sku=line.sku,
                quantity=line.quantity,
                price=line.unit_price,
                currency=self.currency,
            )
        if self.order.shipping_price > Decimal("0"):
            yield PurchasedItem(
                name=self.order.shipping_method_name,
                sku="SHIPPING",
                quantity=1,
                price=self.order.shipping_price,
                currency=self.currency,
            )
