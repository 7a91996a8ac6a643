"""django-payments reports every payment status change here; the order follows it."""

from __future__ import annotations

from django.dispatch import receiver
from payments.signals import status_changed

from .models import Payment
from .services import order_payment_update


@receiver(status_changed, dispatch_uid="orders.payment_status_changed")
def payment_status_changed(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
    if isinstance(instance, Payment):
        order_payment_update(payment=instance)
