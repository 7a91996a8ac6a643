from __future__ import annotations

from datetime import date
from decimal import Decimal

from shop.shipping import delivery_quotes


def test_delivery_quotes_give_each_method_its_business_day_window(settings):
    settings.SHIPPING_METHODS = [
        {"code": "standard", "name": "Standard", "price": "4.95", "min_days": 3, "max_days": 5},
        {"code": "express", "name": "Express", "price": "14.95", "min_days": 1, "max_days": 2},
    ]

    quotes = delivery_quotes(start=date(2026, 12, 4))  # a Friday: the weekend is not counted

    assert [(q.method.code, q.method.price, q.earliest, q.latest) for q in quotes] == [
        ("standard", Decimal("4.95"), date(2026, 12, 9), date(2026, 12, 11)),
        ("express", Decimal("14.95"), date(2026, 12, 7), date(2026, 12, 8)),
    ]
