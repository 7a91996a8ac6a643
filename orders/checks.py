"""System checks of the payment setup (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

W001_TEST_PAYMENTS = "orders.W001"


@register(Tags.security, deploy=True)
def payment_variant_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Warns (``orders.W001``) when a deployment (``DEBUG`` off) takes payments with the offline
    test-card provider: card 4242… "pays" and no money moves."""
    if settings.PAYMENT_VARIANT != "test" or settings.DEBUG:
        return []
    return [
        Warning(
            "PAYMENT_VARIANT is 'test': test cards pay for orders and no money is taken.",
            hint="Use PAYMENT_VARIANT=stripe for a live shop; keep 'test' (ALLOW_TEST_PAYMENTS) for demos only.",
            id=W001_TEST_PAYMENTS,
        )
    ]
