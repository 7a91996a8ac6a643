"""The order receipt email (HTML + plain text), sent through Django's email backend."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from .models import Order
from .selectors import order_link_url


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


def order_link_message(*, order: Order) -> EmailMultiAlternatives:
    """A fresh signed link to a guest's order (plain text), to the order's email address."""
    body = render_to_string(
        "orders/email/order_link.txt",
        {"order": order, "order_url": order_link_url(order=order, absolute=True), "SHOP_NAME": settings.SHOP_NAME},
    )
    return EmailMultiAlternatives(
        subject=f"A new link to your {settings.SHOP_NAME} order {order.number}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
    )
