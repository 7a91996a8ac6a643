from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from .services import order_receipt_send


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
    return order_receipt_send(order_id=order_id)
