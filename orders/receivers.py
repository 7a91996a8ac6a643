"""django-payments reports every payment status change here; the order follows it."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from payments.signals import status_changed

from .models import Payment
from .services import order_payment_update


@receiver(status_changed, dispatch_uid="orders.payment_status_changed")
def payment_status_changed(sender: type[Any], instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, Payment):
        order_payment_update(payment=instance)
