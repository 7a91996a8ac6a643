"""Order and payment errors (all ``ShopError``: views show them, the API returns 4xx)."""

from __future__ import annotations

from catalog.exceptions import ShopError


class InvalidStatusTransition(ShopError):
    """An order cannot move from its current status to the one asked for."""


class OrderNotPayable(ShopError):
    """Payment was started for an order that is not waiting for payment."""


class PaymentFailed(ShopError):
    """The payment provider declined or failed; nothing was charged."""


class InvalidOrderLink(ShopError):
    """A guest order link is forged or malformed."""


class ExpiredOrderLink(InvalidOrderLink):
    """A guest order link was genuine but is older than ORDER_LINK_MAX_AGE_DAYS."""
