"""The order receipt email (HTML + plain text), sent through Django's email backend."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .models import Order
from .selectors import order_link_url
from .services import order_receipt_mark_sending, order_receipt_unmark


def order_receipt_message(*, order: Order) -> EmailMultiAlternatives:
    """The receipt of ``order``: every line (name, SKU, quantity, unit price, line total), the
    totals, the customer's name, email and shipping address, the delivery estimate and a link to
    the order (signed for a guest). Plain text body with an HTML alternative."""
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "order_url": order_link_url(order=order, absolute=True),
        "SHOP_NAME": settings.SHOP_NAME,
        "SITE_URL": settings.SITE_URL,
    }
    subject = f"Your {settings.SHOP_NAME} order {order.number}"
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("orders/email/receipt.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
    message.attach_alternative(render_to_string("orders/email/receipt.html", context), "text/html")
    return message


def order_receipt_send(*, order_id: int) -> str:
    """Send the receipt of a paid order once. Returns "sent", "already sent", "not paid" or
    "missing"; a failed send (SMTP error) raises and leaves the receipt unsent for a retry."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return "missing"
    if not order.is_paid:
        return "not paid"
    if not order_receipt_mark_sending(order_id=order_id):
        return "already sent"
    try:
        order_receipt_message(order=order).send()
    except Exception:
        order_receipt_unmark(order_id=order_id)
        raise
    return "sent"
