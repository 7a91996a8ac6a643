"""The shopper's steps through the real views (for view and concurrency tests), and an order
placed through the real services (``order_placed``). Rows written directly, without the
services, come from ``orders.tests.factories``."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.test import Client
from django.urls import reverse

from accounts.models import User
from catalog.models import Product
from orders.models import Order
from orders.services import ShippingAddress, order_place
from shop.services import cart_add_product, cart_get_or_create

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse
    from rest_framework.response import _MonkeyPatchedResponse as Response
    from rest_framework.test import APIClient

#: What the checkout API is sent: a guest's email, the address and the shipping method.
API_ADDRESS = {
    "email": "grace@example.com",
    "full_name": "Grace Hopper",
    "address_line1": "1 Navy Yard",
    "city": "Arlington",
    "postcode": "22202",
    "region": "VA",
    "country": "US",
    "shipping_method": "standard",
}
#: A Friday (delivery estimates skip the weekend).
FRIDAY = datetime.date(2025, 1, 3)


def api_cart_add(api: APIClient, product_id: int, quantity: object = 1, **extra: object) -> Response:
    """POST a cart line through the API (``extra``: fields a client should not be able to set)."""
    return api.post(
        reverse("api:cart-line-list"), {"product_id": product_id, "quantity": quantity, **extra}, format="json"
    )


def api_checkout(api: APIClient, **overrides: object) -> Response:
    """POST the checkout API with ``API_ADDRESS`` and a fresh checkout token, ``overrides`` on top."""
    body = {**API_ADDRESS, "checkout_token": str(uuid.uuid4()), **overrides}
    return api.post(reverse("api:checkout"), body, format="json")


APPROVED, DECLINED, CONFIRM = "4242 4242 4242 4242", "4000 0000 0000 0002", "4000 0000 0000 3220"

ADDRESS_FORM = {
    "email": "grace@example.com",
    "full_name": "Grace Hopper",
    "phone": "",
    "address_line1": "1 Navy Yard",
    "address_line2": "",
    "city": "Arlington",
    "postcode": "22202",
    "region": "VA",
    "country": "US",
    "shipping_method": "standard",
}


def add_to_cart(client: Client, product_id: int, quantity: int = 1, variant_id: int | None = None) -> TestResponse:
    """POST the product page's add-to-cart form (``variant_id``: the size picked, if any)."""
    data = {"product_id": product_id, "quantity": quantity}
    if variant_id is not None:
        data["variant_id"] = variant_id
    return client.post(reverse("shop:cart_add"), data)


def checkout_token(client: Client) -> str:
    """The one-time token of a fresh checkout form, read from the page as a browser would (the
    test client's captured context is shared between threads)."""
    page = client.get(reverse("orders:checkout")).content.decode()
    found = re.search(r'name="checkout_token" value="([0-9a-f-]{36})"', page)
    assert found is not None, "the checkout form has no checkout_token field"
    return found.group(1)


def checkout(client: Client, **overrides: str) -> TestResponse:
    """GET the checkout form (for its one-time token), POST it; returns the response."""
    return client.post(
        reverse("orders:checkout"), {**ADDRESS_FORM, "checkout_token": checkout_token(client), **overrides}
    )


def pay(client: Client, pay_url: str, card: str = APPROVED) -> TestResponse:
    return client.post(
        pay_url,
        {"number": card, "expiration_0": "12", "expiration_1": "2035", "cvv2": "123", "name": "Grace Hopper"},
    )


ADDRESS = ShippingAddress(
    full_name="Ada Lovelace",
    address_line1="12 St James's Square",
    city="London",
    postcode="SW1Y 4JH",
    country="GB",
    phone="+44 20 7946 0000",
)


def order_placed(
    *,
    products: Sequence[Product],
    quantities: Sequence[int] | None = None,
    user: User | None = None,
    email: str = "ada@example.com",
    shipping_method: str = "standard",
    today: datetime.date | None = None,
) -> Order:
    """An order placed through the real services: a cart holding ``products`` (× ``quantities``)."""
    cart = cart_get_or_create(user=user)
    for i, product in enumerate(products):
        cart_add_product(cart=cart, product_id=product.pk, quantity=(quantities or [1] * len(products))[i])
    return order_place(
        cart=cart,
        user=user,
        email=email,
        address=ADDRESS,
        shipping_method=shipping_method,
        checkout_token=uuid.uuid4(),
        today=today,
    )
