"""Reads of orders: who may see which order, history, guest order links, a seller's sold lines
and sales, and the staff dashboard's counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, DecimalField, Exists, OuterRef, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Seller, User

from .exceptions import ExpiredOrderLink, InvalidOrderLink, OrderNotFound
from .links import order_link_check, order_link_is_genuine, order_link_key, order_link_url
from .models import Fulfilment, Order, OrderLine, Payment

# The guest-link helpers live in ``links`` (the models need them too); read them from here.
__all__ = [
    "order_get_for_viewer",
    "order_guest_find",
    "order_link_check",
    "order_link_is_genuine",
    "order_link_key",
    "order_link_url",
    "order_list_for_user",
    "order_payment_latest",
    "order_to_ship_count",
    "seller_order_get",
    "seller_order_list",
    "seller_sales_summary",
]


def _user_orders_q(user: User) -> Q:
    # A guest order joins the history of the account whose *verified* email matches: merely
    # signing up with someone's address shows nothing.
    from allauth.account.models import EmailAddress

    verified = EmailAddress.objects.filter(user=user, verified=True).values("email")
    return Q(user=user) | Q(user__isnull=True, email__in=verified)


def order_list_for_user(*, user: User | AnonymousUser) -> QuerySet[Order]:
    """The shopper's orders, newest first: placed while logged in, or as a guest with an email
    address they have since verified."""
    if not user.is_authenticated:
        return Order.objects.none()
    return Order.objects.filter(_user_orders_q(user)).prefetch_related("lines")


def order_get_for_viewer(*, number: str, user: User | AnonymousUser, key: str | None) -> Order:
    """The order ``number`` if this viewer may see it: its owner, or anyone with a genuine link
    key for a guest order. Raises ``OrderNotFound`` for everything else (the same answer whether the
    order exists or not), ``ExpiredOrderLink`` for a genuine but expired key."""
    order = Order.objects.filter(number=number).prefetch_related("lines", "events", "fulfilments").first()
    if order is None:
        raise OrderNotFound("No such order.")
    if user.is_authenticated and user.is_staff and user.has_perm("orders.view_order"):
        return order  # staff with the admin's view permission ("View on site" in the order admin)
    if user.is_authenticated and order_list_for_user(user=user).filter(pk=order.pk).exists():
        return order
    if key and order.user_id is None:
        try:
            order_link_check(number=number, key=key)
        except ExpiredOrderLink:
            raise
        except InvalidOrderLink as exc:
            raise OrderNotFound("No such order.") from exc
        return order
    raise OrderNotFound("No such order.")


def order_guest_find(*, number: str, email: str) -> Order | None:
    """The guest order ``number`` if it was placed with ``email`` (compared case-insensitively),
    else None: whoever knows both may have a fresh link sent to that address."""
    return Order.objects.filter(number=number, user__isnull=True, email__iexact=email.strip()).first()


def order_payment_latest(*, order: Order) -> Payment | None:
    """The order's most recent payment attempt, or None."""
    return order.payments.order_by("-created", "-id").first()


# --- A seller's sold lines ----------------------------------------------------------------

#: The statuses in which an order's lines were sold: a seller sees these orders (not the ones
#: still waiting for payment, nor those cancelled), and the paid, shipped and delivered ones
#: count as sales (refunded money went back).
SELLER_VISIBLE_STATUSES = (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.DELIVERED, Order.Status.REFUNDED)
SALES_STATUSES = (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.DELIVERED)


def _seller_lines(seller: Seller) -> QuerySet[OrderLine]:
    # The ownership rule for order lines, as sellers.selectors.seller_owned is for products: a
    # line is the seller's when it was sold as theirs (the snapshot ``OrderLine.seller``).
    return OrderLine.objects.filter(seller=seller)


def seller_order_list(*, seller: Seller, to_ship: bool = False) -> QuerySet[Order]:
    """The orders with lines ``seller`` sold, newest first, each with ``seller_lines`` (the
    seller's own lines only, prefetched as a list, with their ``fulfilment``), ``seller_total``
    (their line totals, ``Decimal``) and ``seller_unshipped`` (how many of their lines are not
    shipped yet). ``to_ship``: only paid orders with a line of theirs left to ship."""
    lines = _seller_lines(seller)
    orders = Order.objects.filter(
        Exists(lines.filter(order=OuterRef("pk"))), status__in=SELLER_VISIBLE_STATUSES
    ).annotate(
        seller_unshipped=Count("lines", filter=Q(lines__seller=seller, lines__fulfilment__isnull=True)),
        seller_total=Sum("lines__line_total", filter=Q(lines__seller=seller)),
    )
    if to_ship:
        orders = orders.filter(
            Exists(lines.filter(order=OuterRef("pk"), fulfilment__isnull=True)), status=Order.Status.PAID
        )
    return orders.prefetch_related(
        Prefetch("lines", queryset=lines.select_related("fulfilment"), to_attr="seller_lines")
    ).order_by("-created_at", "-id")


def seller_order_get(*, seller: Seller, number: str) -> Order:
    """One order with lines ``seller`` sold, as ``seller_order_list`` gives it, plus
    ``seller_fulfilments`` (the parcels of their lines). Raises ``OrderNotFound`` for any other
    order, whoever's it is (the same 404 as another seller's product)."""
    order = seller_order_list(seller=seller).filter(number=number).first()
    if order is None:
        raise OrderNotFound("No such order.")
    order.seller_fulfilments = list(  # type: ignore[attr-defined]  # set for the page
        Fulfilment.objects.filter(order=order, lines__seller=seller).distinct().order_by("created_at", "id")
    )
    return order


@dataclass(frozen=True)
class SellerSales:
    """A seller's sales: revenue (``Decimal``, shop currency: the line totals of paid, shipped
    and delivered orders) and units, over the last ``days`` days (by order date) and all time,
    and how many paid orders have a line of theirs left to ship."""

    days: int
    revenue_recent: Decimal
    units_recent: int
    revenue_total: Decimal
    units_total: int
    orders_to_ship: int


def seller_sales_summary(*, seller: Seller, days: int = 30, now: datetime | None = None) -> SellerSales:
    """``seller``'s ``SellerSales`` (one query)."""
    since = (now or timezone.now()) - timedelta(days=days)
    recent = Q(order__created_at__gte=since)
    zero = Value(Decimal("0.00"), output_field=DecimalField(max_digits=12, decimal_places=2))
    figures = _seller_lines(seller).aggregate(
        revenue_recent=Coalesce(Sum("line_total", filter=recent & Q(order__status__in=SALES_STATUSES)), zero),
        units_recent=Coalesce(Sum("quantity", filter=recent & Q(order__status__in=SALES_STATUSES)), 0),
        revenue_total=Coalesce(Sum("line_total", filter=Q(order__status__in=SALES_STATUSES)), zero),
        units_total=Coalesce(Sum("quantity", filter=Q(order__status__in=SALES_STATUSES)), 0),
        orders_to_ship=Count(
            "order", filter=Q(order__status=Order.Status.PAID, fulfilment__isnull=True), distinct=True
        ),
    )
    return SellerSales(days=days, **figures)


# --- Staff --------------------------------------------------------------------------------


def order_to_ship_count() -> int:
    """How many orders are paid and not shipped yet (one query)."""
    return Order.objects.filter(status=Order.Status.PAID).count()
