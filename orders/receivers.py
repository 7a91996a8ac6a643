"""django-payments reports every payment status change here; the order follows it through the
order pipeline (``orders.pipeline``: authorise → take stock → capture or release → mark paid →
receipt)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from payments.signals import status_changed

from .models import Payment
from .pipeline import order_payment_settle


@receiver(status_changed, dispatch_uid="orders.payment_status_changed")
def payment_status_changed(sender: type[Any], instance: object, **kwargs: Any) -> None:
    if isinstance(instance, Payment):
        order_payment_settle(payment=instance)
