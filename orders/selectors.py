"""Reads of orders: who may see which order, history, and guest order links."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from accounts.models import User

from .exceptions import ExpiredOrderLink, InvalidOrderLink, OrderNotFound
from .links import order_link_check, order_link_is_genuine, order_link_key, order_link_url
from .models import Order, Payment

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
    order = Order.objects.filter(number=number).prefetch_related("lines", "events").first()
    if order is None:
        raise OrderNotFound("No such order.")
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
