"""Reads of orders: who may see which order, history, and guest order links."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse

from accounts.models import User

from .exceptions import ExpiredOrderLink, InvalidOrderLink
from .models import Order, Payment

_LINK_SALT = "orders.order-link"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_LINK_SALT)


def order_link_key(*, order: Order) -> str:
    """The signed key of a guest order link (timestamp + HMAC of the order number)."""
    return _signer().sign(order.number).split(":", 1)[1]


def order_link_check(*, number: str, key: str) -> None:
    """Raise ``ExpiredOrderLink`` or ``InvalidOrderLink`` unless ``key`` is a genuine, unexpired
    link key for ``number``."""
    max_age = timedelta(days=settings.ORDER_LINK_MAX_AGE_DAYS)
    try:
        _signer().unsign(f"{number}:{key}", max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExpiredOrderLink("This order link has expired.") from exc
    except signing.BadSignature as exc:
        raise InvalidOrderLink("This order link is not valid.") from exc


def order_link_is_genuine(*, number: str, key: str) -> bool:
    """Whether ``key`` was issued for ``number`` by this shop, however old it is (an expired
    link still proves its holder once received it: enough to ask for a fresh one by email)."""
    try:
        _signer().unsign(f"{number}:{key}")
    except signing.BadSignature:
        return False
    return True


def order_link_url(*, order: Order, absolute: bool = False, view: str = "orders:order_detail") -> str:
    """URL of the order page (or another order view). Guest orders carry a signed ``key``, so
    the link works without an account; a registered shopper's order needs their login."""
    url = reverse(view, kwargs={"number": order.number})
    if order.user_id is None:
        url += "?" + urlencode({"key": order_link_key(order=order)})
    return f"{settings.SITE_URL}{url}" if absolute else url


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
    key for a guest order. Raises ``Http404`` for everything else (the same answer whether the
    order exists or not), ``ExpiredOrderLink`` for a genuine but expired key."""
    order = Order.objects.filter(number=number).prefetch_related("lines", "events").first()
    if order is None:
        raise Http404("No such order.")
    if user.is_authenticated and order_list_for_user(user=user).filter(pk=order.pk).exists():
        return order
    if key and order.user_id is None:
        try:
            order_link_check(number=number, key=key)
        except ExpiredOrderLink:
            raise
        except InvalidOrderLink as exc:
            raise Http404("No such order.") from exc
        return order
    raise Http404("No such order.")


def order_payment_latest(*, order: Order) -> Payment | None:
    """The order's most recent payment attempt, or None."""
    return order.payments.order_by("-created", "-id").first()
