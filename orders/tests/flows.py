"""The shopper's steps through the real views, for view and concurrency tests."""

from __future__ import annotations

import re

from django.test import Client

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


def add_to_cart(client: Client, product_id: int, quantity: int = 1):  # type: ignore[no-untyped-def]
    return client.post("/cart/add/", {"product_id": product_id, "quantity": quantity})


def checkout_token(client: Client) -> str:
    """The one-time token of a fresh checkout form, read from the page as a browser would (the
    test client's captured context is shared between threads)."""
    page = client.get("/checkout/").content.decode()
    return re.search(r'name="checkout_token" value="([0-9a-f-]{36})"', page).group(1)  # type: ignore[union-attr]


def checkout(client: Client, **overrides):  # type: ignore[no-untyped-def]
    """GET the checkout form (for its one-time token), POST it; returns the response."""
    return client.post("/checkout/", {**ADDRESS_FORM, "checkout_token": checkout_token(client), **overrides})


def pay(client: Client, pay_url: str, card: str = APPROVED):  # type: ignore[no-untyped-def]
    return client.post(
        pay_url,
        {"number": card, "expiration_0": "12", "expiration_1": "2035", "cvv2": "123", "name": "Grace Hopper"},
    )
