"""The receipt through the production path: the payment commits, ``on_commit`` enqueues on
Redis, a real Celery worker process sends it (see recommender/tests/test_worker.py for how
the worker is started; it uses the locmem email backend, so the sent mark is what we see)."""

from __future__ import annotations

import time

import pytest
from payments import PaymentStatus

from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.services import payment_create
from recommender.tests.test_worker import _media_root, not_eager, worker, worker_media  # noqa: F401

from .flows import order_placed

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]


def test_paid_order_receipt_is_sent_by_the_worker(worker, not_eager):  # noqa: F811
    _, log = worker
    order = order_placed(products=[ProductFactory.create(stock=2)])
    payment_create(order=order).change_status(PaymentStatus.PREAUTH)  # autocommit: on_commit fires now
    assert Order.objects.get(pk=order.pk).status == "paid"
    deadline = time.monotonic() + 60
    while Order.objects.get(pk=order.pk).receipt_sent_at is None:
        if time.monotonic() > deadline:
            pytest.fail(f"no receipt after 60 s; worker log:\n{log.read_text()[-4000:]}")
        time.sleep(0.2)
    assert "order_receipt_send_task" in log.read_text()
