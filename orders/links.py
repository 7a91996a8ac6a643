"""Guest order links: the signed key that opens a guest's order without an account, and the
URLs of the order pages. Depends on the order's ``number`` and ``user_id`` only, so the models
(``Payment.get_success_url``) and the selectors both use it without importing each other."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .exceptions import ExpiredOrderLink, InvalidOrderLink

if TYPE_CHECKING:
    from .models import Order

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
