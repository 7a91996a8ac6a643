"""The receipt send is bounded and holds no order row lock while it talks to the mail server:
a stalled SMTP peer costs at most ``EMAIL_TIMEOUT`` per call and the mail task's time limit, and
staff can ship, cancel or refund the order meanwhile."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import pytest
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.utils import timezone
from payments import PaymentStatus

from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.services import (
    RECEIPT_CLAIM_SECONDS,
    ReceiptBeingSent,
    order_receipt_send,
    order_set_status,
    payment_create,
)
from orders.tasks import order_link_send_task, order_receipt_send_task

from .flows import order_placed
from .test_payment_settings import PRODUCTION_ENV, settings_import


def _paid_order() -> Order:
    """A paid order whose receipt is not sent yet (in a transactional test the eager receipt
    task already ran, with the backend configured then: it is marked unsent again)."""
    order = order_placed(products=[ProductFactory.create(stock=3)], quantities=[1])
    payment_create(order=order).change_status(PaymentStatus.PREAUTH)
    Order.objects.filter(pk=order.pk).update(receipt_sent_at=None, receipt_claimed_at=None)
    order.refresh_from_db()
    assert order.status == "paid"
    return order


@pytest.fixture
def tarpit() -> Iterator[int]:
    """A TCP port that accepts connections and then says nothing (a stalled SMTP relay)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_production_bounds_every_smtp_call(monkeypatch):
    module = settings_import(
        monkeypatch, "production", **PRODUCTION_ENV, PAYMENT_VARIANT="test", ALLOW_TEST_PAYMENTS="true"
    )
    assert module.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    assert module.EMAIL_TIMEOUT == 15
    module = settings_import(
        monkeypatch, "production", **PRODUCTION_ENV, PAYMENT_VARIANT="test", ALLOW_TEST_PAYMENTS="true",
        EMAIL_TIMEOUT="5",
    )  # fmt: skip
    assert module.EMAIL_TIMEOUT == 5


def test_mail_tasks_have_time_limits():
    for task in (order_receipt_send_task, order_link_send_task):
        assert (task.soft_time_limit, task.time_limit) == (60, 90)
    assert RECEIPT_CLAIM_SECONDS == 120  # a claim outlives the hard limit, so it is dead then


@pytest.mark.django_db
def test_a_stalled_smtp_server_fails_the_send_within_the_timeout_and_frees_the_receipt(settings, tarpit):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", tarpit, False
    settings.EMAIL_TIMEOUT = 1
    order = _paid_order()
    started = time.monotonic()
    with pytest.raises(OSError, match="timed out"):  # smtplib's SMTPServerDisconnected: retried by the task
        order_receipt_send(order_id=order.pk)
    assert time.monotonic() - started < 5
    order.refresh_from_db()
    assert order.receipt_sent_at is None and order.receipt_claimed_at is None  # a retry may send it


@pytest.mark.django_db
def test_a_live_claim_sends_nothing_and_a_dead_one_is_taken_over(mailoutbox):
    order = _paid_order()
    claimed = timezone.now()
    Order.objects.filter(pk=order.pk).update(receipt_claimed_at=claimed)  # another worker is sending
    with pytest.raises(ReceiptBeingSent):
        order_receipt_send(order_id=order.pk, now=claimed + timedelta(seconds=RECEIPT_CLAIM_SECONDS - 1))
    assert mailoutbox == []
    assert order_receipt_send(order_id=order.pk, now=claimed + timedelta(seconds=RECEIPT_CLAIM_SECONDS + 1)) == "sent"
    assert order_receipt_send(order_id=order.pk) == "already sent"
    assert len(mailoutbox) == 1


class _BlockingBackend(BaseEmailBackend):
    """Sends nothing until ``release`` is set; ``sending`` is set once a send has started."""

    sending = threading.Event()
    release = threading.Event()
    sent: list[EmailMessage] = []

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        type(self).sending.set()
        assert type(self).release.wait(timeout=30)
        type(self).sent.extend(email_messages)
        return len(email_messages)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_staff_can_change_the_order_while_its_receipt_is_being_sent(settings):
    order = _paid_order()
    settings.EMAIL_BACKEND = f"{__name__}._BlockingBackend"
    _BlockingBackend.sending.clear()
    _BlockingBackend.release.clear()
    _BlockingBackend.sent = []
    results: list[Any] = []

    def send() -> None:
        try:
            results.append(order_receipt_send(order_id=order.pk))
        except BaseException as exc:  # noqa: BLE001  (reported by the assertion below)
            results.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=send)
    worker.start()
    try:
        assert _BlockingBackend.sending.wait(timeout=10)
        with connection.cursor() as cursor:  # a lock held by the sender would fail this, not hang it
            cursor.execute("SET lock_timeout = '2s'")
        try:
            order_set_status(order=order, status=Order.Status.CANCELLED, note="Staff cancel during the send")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
    finally:
        _BlockingBackend.release.set()
        worker.join(timeout=30)
    assert results == ["sent"]
    assert len(_BlockingBackend.sent) == 1
    order.refresh_from_db()
    assert order.status == "cancelled" and order.receipt_sent_at is not None
