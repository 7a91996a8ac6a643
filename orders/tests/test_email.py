"""The receipt through a real SMTP server on loopback (aiosmtpd), and its content."""

from __future__ import annotations

import re
import socket
from decimal import Decimal
from email import message_from_bytes, policy
from typing import TYPE_CHECKING

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from payments import PaymentStatus

from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.selectors import order_link_url
from orders.services import order_receipt_send, payment_create

from .flows import order_placed

if TYPE_CHECKING:
    from aiosmtpd.smtp import SMTP, Envelope, Session
    from pytest_django import DjangoCaptureOnCommitCallbacks

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str | None, list[str], bytes | None]] = []
        self.port = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    inbox.port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


def _paid_order(django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> Order:
    coat = ProductFactory.create(name="Wool coat", sku="WC-9", price=Decimal("129.00"), stock=4)
    bag = ProductFactory.create(name="Tote bag", sku="TB-2", price=Decimal("18.50"), stock=9)
    order = order_placed(products=[coat, bag], quantities=[1, 3], shipping_method="express")
    with django_capture_on_commit_callbacks(execute=True):  # the receipt task runs after commit
        payment_create(order=order).change_status(PaymentStatus.PREAUTH)
    order.refresh_from_db()
    return order


def test_receipt_is_delivered_over_smtp_with_lines_totals_and_link(smtp_server, django_capture_on_commit_callbacks):
    order = _paid_order(django_capture_on_commit_callbacks)
    assert len(smtp_server.messages) == 1
    mail_from, rcpt_tos, raw = smtp_server.messages[0]
    assert mail_from == "shop@vitrine.localhost" and rcpt_tos == ["ada@example.com"]
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == f"Your Vitrine order {order.number}"
    plain_part, html_part = message.get_body(preferencelist=("plain",)), message.get_body(preferencelist=("html",))
    assert plain_part is not None and html_part is not None
    text = plain_part.get_content().replace("\r\n", "\n")
    html = html_part.get_content()
    # The key is timestamped (it expires), so the link is read from the mail, not rebuilt here.
    prefix = f"http://127.0.0.1:8000/orders/{order.number}/?key="
    assert order_link_url(order=order, absolute=True).startswith(prefix)
    match = re.search(re.escape(prefix) + r"\S+", text)
    assert match is not None
    link = match.group(0)
    for expected in (
        "Thank you for your order, Ada Lovelace!",
        "Wool coat (SKU WC-9)\n  1 × $129.00 = $129.00",
        "Tote bag (SKU TB-2)\n  3 × $18.50 = $55.50",
        "Subtotal: $184.50",
        "Shipping (Express (1-2 business days)): $14.95",
        "Total: $199.45",
        f"Estimated delivery: {order.delivery_earliest:%A %-d %B %Y} – {order.delivery_latest:%A %-d %B %Y}",
        "12 St James's Square\n  SW1Y 4JH London\n  United Kingdom",
        "Email: ada@example.com",
    ):
        assert expected in text, expected
    for expected in ("Wool coat", "$129.00", "$55.50", "<strong>$199.45</strong>", "SW1Y 4JH London", "Ada Lovelace"):
        assert expected in html, expected
    assert link in html
    assert Client().get(link.removeprefix("http://127.0.0.1:8000")).status_code == 200  # the link opens the order
    order.refresh_from_db()
    assert order.receipt_sent_at is not None
    assert order_receipt_send(order_id=order.pk) == "already sent"
    assert len(smtp_server.messages) == 1


def test_a_failed_send_leaves_the_receipt_for_a_retry(settings, django_capture_on_commit_callbacks, smtp_server):
    settings.EMAIL_PORT = _free_port()  # nothing listens there: the SMTP server is down
    order = _paid_order(django_capture_on_commit_callbacks)  # no error for the shopper
    assert order.status == "paid" and order.receipt_sent_at is None  # the order stands; the receipt waits
    settings.EMAIL_PORT = smtp_server.port  # back up
    assert order_receipt_send(order_id=order.pk) == "sent"
    assert len(smtp_server.messages) == 1
