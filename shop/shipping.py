"""Shipping methods (from the SHIPPING_METHODS setting) and delivery date estimates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings

from core.exceptions import ShopError


class InvalidShippingMethod(ShopError):
    """The shipping method code is not one the shop offers."""


@dataclass(frozen=True)
class ShippingMethod:
    code: str
    name: str
    price: Decimal  # in SHOP_CURRENCY
    min_days: int  # business days after payment
    max_days: int

    @property
    def description(self) -> str:
        return f"{self.min_days}-{self.max_days} business days"


def shipping_methods() -> list[ShippingMethod]:
    """The shop's shipping methods, cheapest first as configured."""
    methods: list[dict[str, Any]] = settings.SHIPPING_METHODS  # mypy infers the setting's values as object
    return [
        ShippingMethod(
            code=m["code"],
            name=m["name"],
            price=Decimal(m["price"]),
            min_days=int(m["min_days"]),
            max_days=int(m["max_days"]),
        )
        for m in methods
    ]


def shipping_method_get(*, code: str) -> ShippingMethod:
    """The method with this code; raises ``InvalidShippingMethod``."""
    for method in shipping_methods():
        if method.code == code:
            return method
    raise InvalidShippingMethod("Choose one of the shipping methods offered.")


def delivery_estimate(*, method: ShippingMethod, start: date) -> tuple[date, date]:
    """Earliest and latest delivery dates for an order paid on ``start``: ``min_days`` and
    ``max_days`` business days (Monday-Friday) later. Public holidays are not counted."""
    day = np.datetime64(start, "D")
    earliest = np.busday_offset(day, method.min_days, roll="forward")
    latest = np.busday_offset(day, method.max_days, roll="forward")
    return earliest.astype(date), latest.astype(date)


@dataclass(frozen=True)
class DeliveryQuote:
    method: ShippingMethod
    earliest: date  # delivery dates for an order paid on the quote's start day
    latest: date


def delivery_quotes(*, start: date) -> list[DeliveryQuote]:
    """Every shipping method with its delivery window for an order paid on ``start`` (what the
    product page tells a shopper who orders today), in ``shipping_methods`` order."""
    quotes = []
    for method in shipping_methods():
        earliest, latest = delivery_estimate(method=method, start=start)
        quotes.append(DeliveryQuote(method=method, earliest=earliest, latest=latest))
    return quotes
