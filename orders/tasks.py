from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from .emails import order_link_message
from .models import Order

# Services and the pipeline import this module at their top to enqueue; a task imports the
# service it runs inside its body (the HackSoft styleguide's direction), so there is no cycle.

#: Seconds a mail task may run: the soft limit raises SoftTimeLimitExceeded in the task, the hard
#: one kills the worker process (each SMTP call is also bounded by EMAIL_TIMEOUT). A receipt
#: claim older than the hard limit belongs to a dead attempt (``order_receipt_send``).
MAIL_SOFT_TIME_LIMIT = 60
MAIL_TIME_LIMIT = 90


@shared_task(
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=10,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    acks_late=True,
    soft_time_limit=MAIL_SOFT_TIME_LIMIT,
    time_limit=MAIL_TIME_LIMIT,
)
def order_receipt_send_task(order_id: int) -> str:
    """Email the receipt of a paid order. Safe to run twice: a receipt is sent once. Another
    attempt sending it right now (``ReceiptBeingSent``) is retried later, after its claim expired."""
    from .services import order_receipt_send

    return order_receipt_send(order_id=order_id)


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=10,
    max_retries=5,
    soft_time_limit=MAIL_SOFT_TIME_LIMIT,
    time_limit=MAIL_TIME_LIMIT,
)
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
