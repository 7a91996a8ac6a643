"""The checkout API (``POST /api/checkout/``, ``orders.api.views.CheckoutView``): the cart
becomes an order waiting for payment, at the catalog's prices, once per checkout token."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING
from unittest import mock
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.models import Product
from catalog.tests.factories import stock_set
from orders.models import Order, Payment
from orders.selectors import order_link_check
from orders.tests.flows import API_ADDRESS as ADDRESS
from orders.tests.flows import FRIDAY
from orders.tests.flows import api_cart_add as add
from orders.tests.flows import api_checkout as checkout
from shop.models import Cart

if TYPE_CHECKING:
    # What the stubs give the test client's responses: a DRF Response with the client's .json().
    pass

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shop_settings(settings):
    settings.CART_MAX_LINE_QUANTITY = 20
    settings.SHOP_CURRENCY = "USD"
    settings.SITE_URL = "http://127.0.0.1:8000"


def split_link(url: str) -> tuple[str, str]:
    """A guest link's address and its key. Keys carry a timestamp (seconds), so two links to the
    same order made a second apart differ: compare addresses, and check keys are genuine."""
    address, _, query = url.partition("?")
    return address, parse_qs(query)["key"][0]


def test_guest_checkout_places_the_order_at_catalog_prices(api, product):
    add(api, product.pk, 2, price="0.01")
    token = uuid.uuid4()

    with mock.patch("django.utils.timezone.localdate", return_value=FRIDAY):
        response = checkout(
            api, checkout_token=str(token), subtotal="0.01", total="0.01", shipping_price="0", unit_price="0.01"
        )

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    body = response.json()
    pay_address, pay_key = split_link(body["payment_url"])
    order_address, order_key = split_link(body["order_url"])
    assert pay_address == f"http://127.0.0.1:8000/orders/{order.number}/pay/"
    assert order_address == f"http://127.0.0.1:8000/orders/{order.number}/"
    order_link_check(number=order.number, key=pay_key)  # raises unless genuine
    order_link_check(number=order.number, key=order_key)
    assert body["order"] == {
        "number": order.number,
        "status": "pending_payment",
        "status_display": "Pending payment",
        "created_at": order.created_at.isoformat().replace("+00:00", "Z"),
        "currency": "USD",
        "subtotal": "99.80",
        "shipping_price": "4.95",
        "total": "104.75",
        "delivery_earliest": "2025-01-08",
        "delivery_latest": "2025-01-10",
        "lines": [
            {
                "product_id": product.pk,
                "variant_id": product.variants.get().pk,
                "product_name": "Ankle boot",
                "size": "",
                "sku": "AB-1",
                "unit_price": "49.90",
                "quantity": 2,
                "line_total": "99.80",
            }
        ],
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
        "shipping_method_name": "Standard (3-5 business days)",
        "cancel_reason": "",
    }
    assert (order.checkout_token, order.user, order.cart) == (token, None, Cart.objects.get())
    payment = Payment.objects.get()
    assert (payment.order, payment.total, payment.currency, payment.status) == (
        order,
        Decimal("104.75"),
        "USD",
        "waiting",
    )
    assert payment.customer_ip_address == "127.0.0.1"
    assert Product.objects.get(pk=product.pk).stock == 3  # taken only when paid
    assert api.get(body["payment_url"].removeprefix("http://127.0.0.1:8000")).status_code == 200


def test_same_checkout_token_twice_makes_one_order(api, product):
    add(api, product.pk)
    token = str(uuid.uuid4())

    first = checkout(api, checkout_token=token)
    second = checkout(api, checkout_token=token, full_name="Someone Else", shipping_method="express")

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["order"] == second.json()["order"]
    assert split_link(first.json()["payment_url"])[0] == split_link(second.json()["payment_url"])[0]
    order = Order.objects.get()
    assert (order.full_name, order.shipping_method) == ("Grace Hopper", "standard")
    assert Payment.objects.filter(order=order).count() == 1


def test_checkout_token_of_another_cart_is_a_conflict(api, product):
    add(api, product.pk)
    token = str(uuid.uuid4())
    checkout(api, checkout_token=token)
    stranger = APIClient()
    add(stranger, product.pk)

    response = checkout(stranger, checkout_token=token)

    assert response.status_code == 409
    assert response.json() == {"detail": "This checkout was already used. Please start again from your cart."}
    assert Order.objects.count() == 1


def test_checkout_of_an_empty_cart(api, product):
    assert checkout(api).json() == {"detail": "Your cart is empty."}  # no cart at all
    add(api, product.pk)
    api.delete(reverse("api:cart-line-detail", kwargs={"product_id": product.pk}))

    response = checkout(api)

    assert response.status_code == 400
    assert response.json() == {"detail": "Your cart is empty."}
    assert Order.objects.count() == 0


def test_checkout_when_stock_ran_out_is_a_conflict(api, product):
    add(api, product.pk, 3)
    stock_set(product, 1)

    response = checkout(api)

    assert response.status_code == 409
    assert response.json() == {"detail": "Only 1 of Ankle boot left in stock."}
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "body"),
    [
        ({"checkout_token": "not-a-uuid"}, {"checkout_token": ["Must be a valid UUID."]}),
        ({"checkout_token": None}, {"checkout_token": ["This field may not be null."]}),
        ({"email": ""}, {"email": ["This field may not be blank."]}),
        ({"email": "grace"}, {"email": ["Enter a valid email address."]}),
        ({"country": "XX"}, {"country": ['"XX" is not a valid choice.']}),
        (
            {"full_name": "", "city": "x" * 101},
            {
                "full_name": ["This field may not be blank."],
                "city": ["Ensure this field has no more than 100 characters."],
            },
        ),
        ({"shipping_method": "teleport"}, {"detail": "Choose one of the shipping methods offered."}),
        # The service's own validation (Order.full_clean): an address too long for the column.
        (
            {"email": "g" * 250 + "@example.com"},
            {"email": ["Ensure this value has at most 254 characters (it has 262)."]},
        ),
    ],
)
def test_checkout_refuses_bad_input_with_field_errors(api, product, overrides, body):
    add(api, product.pk)

    response = checkout(api, **overrides)

    assert response.status_code == 400
    assert response.json() == body
    assert Order.objects.count() == 0


def test_guest_checkout_needs_an_email(api, product):
    add(api, product.pk)
    body = {**ADDRESS, "checkout_token": str(uuid.uuid4())}
    del body["email"]

    response = api.post(reverse("api:checkout"), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"email": ["This field is required."]}
