"""One shape of an amount (12 digits, 2 decimals) and one way to write it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import models
from pytest_django.fixtures import Settings

from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, money_field, money_format


def test_a_money_field_is_a_plain_decimal_field_of_12_digits_and_2_decimals() -> None:
    field = money_field()
    assert type(field) is models.DecimalField
    assert (MONEY_MAX_DIGITS, MONEY_DECIMAL_PLACES) == (12, 2)
    _, path, args, kwargs = field.deconstruct()
    assert (path, args, kwargs) == ("django.db.models.DecimalField", [], {"max_digits": 12, "decimal_places": 2})


def test_a_money_field_takes_other_options() -> None:
    _, _, _, kwargs = money_field(verbose_name="price", default=Decimal("0.00")).deconstruct()
    assert kwargs == {"verbose_name": "price", "default": Decimal("0.00"), "max_digits": 12, "decimal_places": 2}


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (Decimal("1234.5"), "USD", "$1,234.50"),
        (Decimal("0"), "USD", "$0.00"),
        (Decimal("9.99"), "EUR", "€9.99"),
        (Decimal("1000000"), "GBP", "£1,000,000.00"),
        (Decimal("49.9"), "INR", "₹49.90"),
        (Decimal("1234.5"), "CHF", "1,234.50 CHF"),
        (12, "USD", "$12.00"),
        ("54.85", "USD", "$54.85"),
    ],
)
def test_money_format(amount: Decimal | int | str, currency: str, text: str) -> None:
    assert money_format(amount, currency) == text


def test_money_format_uses_the_shop_currency_by_default(settings: Settings) -> None:
    assert money_format(Decimal("54.85")) == "$54.85"
    settings.SHOP_CURRENCY = "EUR"
    assert money_format(Decimal("54.85")) == "€54.85"
    assert money_format(None) == ""
