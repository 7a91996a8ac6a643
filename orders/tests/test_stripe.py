"""The real provider (Stripe Checkout via django-payments) tested at the SDK/HTTP boundary:
the SDK's API calls are mocked, webhooks are signed exactly as Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal
from typing import TYPE_CHECKING
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from payments import PaymentStatus, core

from catalog.models import Product
from catalog.tests.factories import ProductFactory, stock_set
from orders.models import Order, Payment
from orders.payment_providers import StripeProvider
from orders.pipeline import order_cancel

from .flows import add_to_cart, checkout

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_shop(settings):
    settings.PAYMENT_VARIANTS = {
        **settings.PAYMENT_VARIANTS,
        "stripe": ("orders.payment_providers.StripeProvider", {"api_key": "sk_test_x", "endpoint_secret": SECRET}),
    }
    settings.PAYMENT_VARIANT = "stripe"
    core.PROVIDER_CACHE.pop("stripe", None)
    yield
    core.PROVIDER_CACHE.pop("stripe", None)


def _webhook(
    client: Client,
    payment: Payment,
    *,
    secret: str = SECRET,
    payment_status: str = "paid",
    session_id: str = "cs_test_1",
    amount_total: int | None = None,
) -> TestResponse:
    event = {
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": session_id,
                "client_reference_id": payment.token,
                "status": "complete",
                "payment_status": payment_status,
                "payment_intent": "pi_test_1",
                "amount_total": int(payment.total * 100) if amount_total is None else amount_total,
                "currency": "usd",
            }
        },
    }
    payload = json.dumps(event)
    timestamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return client.post(
        reverse("static_process_payment", kwargs={"variant": "stripe"}),
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={timestamp},v1={signature}",
    )


def _to_stripe(client: Client, product: Product) -> tuple[Payment, mock.MagicMock]:
    add_to_cart(client, product.pk, 2)
    pay_url = checkout(client)["Location"]
    session = {"id": "cs_test_1", "url": "https://checkout.stripe.com/c/pay/cs_test_1", "payment_intent": "pi_test_1"}
    with mock.patch("stripe.checkout.Session.create", return_value=session) as create:
        response = client.get(pay_url)
    assert response.status_code == 302 and response["Location"] == session["url"]
    return Payment.objects.get(), create


def test_checkout_session_carries_the_order_total_in_cents(client, stripe_shop):
    product = ProductFactory.create(price=Decimal("25.00"), stock=5)
    payment, create = _to_stripe(client, product)
    kwargs = create.call_args.kwargs
    assert kwargs["line_items"][0]["price_data"]["unit_amount"] == 5495  # 2 × 25.00 + 4.95 shipping
    assert kwargs["line_items"][0]["price_data"]["currency"] == "usd"
    assert kwargs["client_reference_id"] == payment.token
    assert kwargs["customer_email"] == "grace@example.com"
    assert kwargs["success_url"].startswith("http://127.0.0.1:8000/orders/")
    assert payment.transaction_id == "cs_test_1"


def test_signed_webhook_pays_once_and_forged_one_is_refused(client, stripe_shop, django_capture_on_commit_callbacks):
    product = ProductFactory.create(price=Decimal("25.00"), stock=5)
    payment, _ = _to_stripe(client, product)
    stripe_server = Client()
    forged = _webhook(stripe_server, payment, secret="whsec_wrong")
    assert forged.status_code == 400
    assert Order.objects.get().status == "pending_payment"
    with django_capture_on_commit_callbacks(execute=True):
        assert _webhook(stripe_server, payment).status_code == 200
        assert _webhook(stripe_server, payment).status_code == 200  # Stripe retries deliveries
    order = Order.objects.get()
    payment.refresh_from_db()
    assert order.status == "paid" and payment.status == PaymentStatus.CONFIRMED
    assert payment.captured_amount == Decimal("54.95")
    assert Product.objects.get(pk=product.pk).stock == 3
    assert order.events.filter(to_status="paid").count() == 1


def test_sold_out_before_the_webhook_refunds_through_stripe(client, stripe_shop, django_capture_on_commit_callbacks):
    product = ProductFactory.create(name="Rare scarf", price=Decimal("25.00"), stock=5)
    payment, _ = _to_stripe(client, product)
    stock_set(product, 1)  # others bought it meanwhile
    with mock.patch("stripe.Refund.create", return_value={"id": "re_1", "status": "succeeded"}) as refund:
        # django-payments' webhook view is @atomic: the refund waits for its commit
        with django_capture_on_commit_callbacks(execute=True):
            assert _webhook(Client(), payment).status_code == 200
    assert refund.call_args.kwargs == {"payment_intent": "pi_test_1", "amount": 5495, "reason": "requested_by_customer"}
    order = Order.objects.get()
    payment.refresh_from_db()
    assert order.status == "cancelled" and order.cancel_reason == "Sorry, Rare scarf sold out."
    assert payment.status == PaymentStatus.REFUNDED and payment.captured_amount == Decimal("0")
    assert Product.objects.get(pk=product.pk).stock == 1


def test_a_provider_without_a_webhook_secret_cannot_be_built():
    with pytest.raises(ImproperlyConfigured, match="webhook signing secret"):
        StripeProvider(api_key="sk_test_x", endpoint_secret="")
    with pytest.raises(ImproperlyConfigured, match="webhook signing secret"):
        StripeProvider(api_key="sk_test_x")
    with pytest.raises(ImproperlyConfigured, match="webhook signing secret"):
        StripeProvider(api_key="sk_test_x", endpoint_secret=SECRET, secure_endpoint=False)
    assert StripeProvider(api_key="sk_test_x", endpoint_secret=SECRET).endpoint_secret == SECRET


@pytest.mark.parametrize(
    ("session_id", "amount_total"),
    [("cs_test_other", None), ("cs_test_1", 100)],
    ids=["another session", "another amount"],
)
def test_a_signed_webhook_for_another_session_or_amount_is_refused(
    client, stripe_shop, django_capture_on_commit_callbacks, session_id, amount_total
):
    product = ProductFactory.create(price=Decimal("25.00"), stock=5)
    payment, _ = _to_stripe(client, product)
    with django_capture_on_commit_callbacks(execute=True):
        response = _webhook(Client(), payment, session_id=session_id, amount_total=amount_total)
    assert response.status_code == 400
    payment.refresh_from_db()
    assert Order.objects.get().status == "pending_payment"
    assert payment.status == PaymentStatus.WAITING and payment.captured_amount == Decimal("0")
    assert Product.objects.get(pk=product.pk).stock == 5


def test_a_completed_event_redelivered_after_a_refund_changes_nothing(
    client, stripe_shop, django_capture_on_commit_callbacks
):
    product = ProductFactory.create(price=Decimal("25.00"), stock=5)
    payment, _ = _to_stripe(client, product)
    stripe_server = Client()
    with django_capture_on_commit_callbacks(execute=True):
        assert _webhook(stripe_server, payment).status_code == 200
    order = Order.objects.get()
    assert order.status == "paid"
    with mock.patch("stripe.Refund.create", return_value={"id": "re_1", "status": "succeeded"}) as refund:
        order_cancel(order=order, refund=True, reason="Lost in transit")
        with django_capture_on_commit_callbacks(execute=True):
            assert _webhook(stripe_server, payment).status_code == 200  # a late duplicate delivery
    assert refund.call_count == 1
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.captured_amount == Decimal("0")
    assert order.status == "refunded"
    assert order.events.filter(to_status="paid").count() == 1
    assert Product.objects.get(pk=product.pk).stock == 5
