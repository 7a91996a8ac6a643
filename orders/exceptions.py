"""Order errors (``core.exceptions`` family: views show them, the API answers their status)."""

from __future__ import annotations

from core.exceptions import Conflict, Gone, NotFound, ShopError


class InvalidStatusTransition(ShopError):
    """An order cannot move from its current status to the one asked for (400)."""


class OrderNotPayable(ShopError):
    """Payment was started for an order that is not waiting for payment (400)."""


class OrderNotFound(NotFound):
    """No such order, or not one this viewer may see (404; the same answer either way)."""


class InvalidOrderLink(ShopError):
    """A guest order link is forged or malformed (400)."""


class ExpiredOrderLink(InvalidOrderLink, Gone):
    """A guest order link was genuine but is older than ORDER_LINK_MAX_AGE_DAYS (410)."""


class OrderTooLarge(ShopError):
    """An order whose total exceeds what a payment can hold, ``ORDER_TOTAL_MAX`` (400)."""


class OrderNotShippable(Conflict):
    """Shipping lines of an order that is not paid, or whose lines are all shipped already (409)."""
