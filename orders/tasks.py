from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from .emails import order_link_message
from .models import Order

# Services and the pipeline import this module at their top to enqueue; a task imports the
# service it runs inside its body (the HackSoft styleguide's direction), so there is no cycle.


@shared_task(
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
)
def order_receipt_send_task(order_id: int) -> str:
    """Email the receipt of a paid order. Safe to run twice: a receipt is sent once."""
    from .services import order_receipt_send

    return order_receipt_send(order_id=order_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=10, max_retries=5)
def order_link_send_task(order_id: int) -> str:
    """Email a fresh link to a guest order (asked for from an expired link's page)."""
    order = Order.objects.filter(pk=order_id, user__isnull=True).first()
    if order is None:
        return "missing"
    order_link_message(order=order).send()
    return "sent"


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=10, max_retries=3)
def order_expire_unpaid_task() -> list[str]:
    """Cancel the orders whose payment did not arrive in time (Celery beat runs it every
    ``ORDER_EXPIRY_CHECK_MINUTES``). Safe to run twice or concurrently."""
    from .services import order_expire_unpaid

    return order_expire_unpaid()
