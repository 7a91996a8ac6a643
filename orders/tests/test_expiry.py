"""Orders left unpaid: shown as "Unpaid - pay now", cancelled after ORDER_PAYMENT_EXPIRY_MINUTES
by orders.services.order_expire_unpaid (Celery beat's order_expire_unpaid_task), and no longer
payable once cancelled."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from catalog.tests.factories import ProductFactory
from orders.models import Order, OrderEvent
from orders.services import ORDER_EXPIRED_NOTE, order_expire_unpaid
from orders.tasks import order_expire_unpaid_task

from .factories import OrderFactory

pytestmark = pytest.mark.django_db


def _placed(minutes_ago: int, **kwargs: object) -> Order:
    order = OrderFactory.create(**kwargs)
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return order


def test_the_expiry_is_a_setting_celery_beat_runs_every_few_minutes() -> None:
    assert settings.ORDER_PAYMENT_EXPIRY_MINUTES == 60
    assert settings.CELERY_BEAT_SCHEDULE["order-expire-unpaid"] == {
        "task": "orders.tasks.order_expire_unpaid_task",
        "schedule": 300.0,
    }


def test_unpaid_orders_past_the_expiry_are_cancelled_with_the_reason_once(settings) -> None:
    settings.ORDER_PAYMENT_EXPIRY_MINUTES = 30
    old = _placed(31)
    fresh = _placed(29)
    paid = _placed(90, status=Order.Status.PAID)
    product = ProductFactory.create(stock=4)

    assert order_expire_unpaid_task.delay().get() == [old.number]
    assert order_expire_unpaid() == []  # a second run finds nothing left to do

    old.refresh_from_db()
    assert (old.status, old.cancel_reason) == (Order.Status.CANCELLED, ORDER_EXPIRED_NOTE)
    assert list(OrderEvent.objects.filter(order=old).values_list("from_status", "to_status", "note")) == [
        ("pending_payment", "cancelled", ORDER_EXPIRED_NOTE)
    ]
    assert Order.objects.get(pk=fresh.pk).status == Order.Status.PENDING_PAYMENT
    assert Order.objects.get(pk=paid.pk).status == Order.Status.PAID
    product.refresh_from_db()
    assert product.stock == 4  # stock is taken at payment: expiry gives none back


def test_an_order_a_payment_is_being_taken_for_is_left_to_the_pipeline(settings) -> None:
    from orders.models import Payment

    order = _placed(120)
    Payment.objects.create(
        order=order, variant="test", total=order.total, currency="USD", order_paid=True, status="preauth"
    )

    assert order_expire_unpaid() == []
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT


def test_the_history_shows_an_unpaid_order_with_a_pay_now_link(client: Client, user: User) -> None:
    unpaid = OrderFactory.create(user=user, email=user.email, subtotal=Decimal("10.00"))
    OrderFactory.create(user=user, email=user.email, status=Order.Status.PAID)
    client.force_login(user)

    html = client.get(reverse("orders:order_history")).content.decode()

    pay = reverse("orders:order_pay", args=[unpaid.number])
    assert f'<span class="badge warn">Unpaid</span> <a href="{pay}" data-testid="pay-now">pay now</a>' in html
    assert html.count('data-testid="pay-now"') == 1
    assert "<td>Paid</td>" in html


def test_paying_an_expired_order_is_refused_clearly(client: Client, user: User) -> None:
    order = _placed(120, user=user, email=user.email)
    order_expire_unpaid()
    client.force_login(user)

    response = client.get(reverse("orders:order_pay", args=[order.number]), follow=True)

    html = response.content.decode()
    assert response.redirect_chain[0][0] == order.get_absolute_url()
    assert f"Order {order.number} was cancelled and can no longer be paid." in html
    assert ORDER_EXPIRED_NOTE in html
