"""Money: the one shape of an amount (``Decimal``, 12 digits of which 2 after the point, in the
shop currency ``SHOP_CURRENCY``) and the one way an amount is written for people.

Model fields come from ``money_field()``; form and serializer decimal fields take
``max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

MONEY_MAX_DIGITS = 12
MONEY_DECIMAL_PLACES = 2

# The currencies written with a symbol before the amount ("$1,234.50"); any other is written
# with its ISO code after it ("1,234.50 CHF").
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹"}


def money_field(*args: Any, **kwargs: Any) -> models.DecimalField:
    """A model field for an amount: ``models.DecimalField(max_digits=12, decimal_places=2)``
    plus ``kwargs`` (verbose name, validators, default...).

    A factory rather than a ``DecimalField`` subclass: the field stays a plain
    ``models.DecimalField`` to migrations, so using it changes no schema."""
    kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
    return models.DecimalField(*args, **kwargs)


def currency_symbol(currency: str | None = None) -> str:
    """How ``currency`` (default ``SHOP_CURRENCY``) is marked next to an amount: its symbol
    ("$", "€") or, for a currency written with its code, the code ("CHF")."""
    currency = currency or settings.SHOP_CURRENCY
    return _SYMBOLS.get(currency, currency)


def money_format(amount: Decimal | int | str | None, currency: str | None = None) -> str:
    """``amount`` written for people in ``currency`` (default ``SHOP_CURRENCY``), with
    thousands separators and 2 decimals: "$1,234.50", "€9.99", "1,234.50 CHF"; "" for None.

    Raises ``decimal.InvalidOperation`` for text that is not a number."""
    if amount is None:
        return ""
    currency = currency or settings.SHOP_CURRENCY
    text = f"{Decimal(amount):,.2f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{text}" if symbol else f"{text} {currency}"
