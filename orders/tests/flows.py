"""The shopper's steps through the real views, for view and concurrency tests."""

from __future__ import annotations

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


def checkout(client: Client, **overrides):  # type: ignore[no-untyped-def]
    """GET the checkout form (for its one-time token), POST it; returns the response."""
    token = client.get("/checkout/").context["form"].initial["checkout_token"]
    return client.post("/checkout/", {**ADDRESS_FORM, "checkout_token": str(token), **overrides})


def pay(client: Client, pay_url: str, card: str = APPROVED):  # type: ignore[no-untyped-def]
    return client.post(
        pay_url,
        {"number": card, "expiration_0": "12", "expiration_1": "2035", "cvv2": "123", "name": "Grace Hopper"},
    )
