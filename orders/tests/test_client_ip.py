"""The IP recorded on a payment (sent to gateways, kept for fraud review) is the shopper's, not
the reverse proxy's (security review L7)."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.models import Product
from orders.models import Payment

from .flows import add_to_cart, checkout, pay

pytestmark = pytest.mark.django_db


def test_the_payment_records_the_shoppers_ip_behind_the_proxy(product: Product, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    shopper = Client(REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7")
    add_to_cart(shopper, product.pk)
    response = checkout(shopper)
    assert response.status_code == 302
    pay(shopper, response["Location"])
    assert list(Payment.objects.values_list("customer_ip_address", flat=True)) == ["198.51.100.7"]
