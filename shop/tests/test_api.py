from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING
from unittest import mock

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.models import Product, ProductVariant
from catalog.tests.factories import ProductFactory
from orders.tests.flows import FRIDAY
from orders.tests.flows import api_cart_add as add
from orders.tests.flows import api_checkout as checkout
from shop.models import Cart, CartLine

if TYPE_CHECKING:
    # What the stubs give the test client's responses: a DRF Response with the client's .json().
    pass

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _shop_settings(settings):
    settings.CART_MAX_LINE_QUANTITY = 20
    settings.SHOP_CURRENCY = "USD"
    settings.SITE_URL = "http://127.0.0.1:8000"


@pytest.fixture
def product():
    return ProductFactory.create(name="Ankle boot", slug="ankle-boot", sku="AB-1", price=Decimal("49.90"), stock=3)


def boot_line(quantity: int, unit_price: str, line_total: str, problem: str = "") -> dict:
    return {
        "product": {
            "id": Product.objects.get(sku="AB-1").pk,
            "name": "Ankle boot",
            "sku": "AB-1",
            "slug": "ankle-boot",
            "url": "http://testserver/p/ankle-boot/",
        },
        "variant": {"id": ProductVariant.objects.get(sku="AB-1").pk, "size": "", "sku": "AB-1"},
        "quantity": quantity,
        "unit_price": unit_price,
        "line_total": line_total,
        "problem": problem,
    }


# --- Cart -----------------------------------------------------------------------------------


def test_empty_cart_creates_nothing(api):
    response = api.get(reverse("api:cart"))

    assert response.status_code == 200
    assert response.json() == {"lines": [], "subtotal": "0.00", "currency": "USD", "count": 0}
    assert Cart.objects.count() == 0
    assert "cart_id" not in api.session


def test_guest_add_then_cart_shows_the_live_price_and_ignores_posted_prices(api, product):
    response = add(api, product.pk, 2, price="0.01", unit_price="0.01", line_total="0.02", subtotal="0.02")

    assert response.status_code == 201
    assert response.json() == {
        "lines": [boot_line(2, "49.90", "99.80")],
        "subtotal": "99.80",
        "currency": "USD",
        "count": 2,
    }
    cart = Cart.objects.get()
    assert cart.user is None and api.session["cart_id"] == cart.pk

    Product.objects.filter(pk=product.pk).update(price=Decimal("39.95"))
    response = api.get(reverse("api:cart"))

    assert response.status_code == 200
    assert response.json() == {
        "lines": [boot_line(2, "39.95", "79.90")],
        "subtotal": "79.90",
        "currency": "USD",
        "count": 2,
    }


def test_adding_again_accumulates_and_other_guests_have_their_own_cart(api, product):
    other = ProductFactory.create(name="Tote bag", price=Decimal("12.50"), stock=10)
    add(api, product.pk, 1)
    response = add(api, product.pk, 2)
    add(api, other.pk)

    assert response.status_code == 201
    assert response.json()["lines"] == [boot_line(3, "49.90", "149.70")]
    assert api.get(reverse("api:cart")).json()["count"] == 4
    assert APIClient().get(reverse("api:cart")).json()["lines"] == []
    assert Cart.objects.count() == 1


def test_cart_line_reports_a_problem(api, product):
    add(api, product.pk, 2)
    Product.objects.filter(pk=product.pk).update(is_active=False)

    response = api.get(reverse("api:cart"))

    assert response.json()["lines"] == [boot_line(2, "49.90", "99.80", "Ankle boot is no longer sold.")]


@pytest.mark.parametrize(
    ("quantity", "body"),
    [
        ("abc", {"quantity": ["A valid integer is required."]}),
        ("1.5", {"quantity": ["A valid integer is required."]}),
        (1.5, {"quantity": ["A valid integer is required."]}),
        ("", {"quantity": ["A valid integer is required."]}),
        (True, {"quantity": ["A valid integer is required."]}),
        (None, {"quantity": ["This field may not be null."]}),
        ([2], {"quantity": ["A valid integer is required."]}),
        (0, {"detail": "Quantity must be a whole number of at least 1."}),
        (-1, {"detail": "Quantity must be a whole number of at least 1."}),
        (21, {"detail": "You can buy at most 20 of one product per order."}),
        (10**30, {"detail": "You can buy at most 20 of one product per order."}),
        ("1000000000000", {"detail": "You can buy at most 20 of one product per order."}),
    ],
)
def test_bad_quantities_are_refused_clearly_and_change_nothing(api, product, quantity, body):
    add(api, product.pk, 1)

    response = add(api, product.pk, quantity)

    assert response.status_code == 400
    assert response.json() == body
    assert CartLine.objects.get().quantity == 1


def test_quantity_above_stock_is_a_conflict(api, product):
    response = add(api, product.pk, 4)

    assert response.status_code == 409
    assert response.json() == {"detail": "Only 3 of Ankle boot left in stock."}
    assert CartLine.objects.count() == 0


@pytest.mark.parametrize(
    ("product_id", "body"),
    [
        (999_999, {"detail": "This product is not available."}),
        (0, {"product_id": ["Ensure this value is greater than or equal to 1."]}),
        (2**70, {"product_id": ["Ensure this value is less than or equal to 9223372036854775807."]}),
        ("boot", {"product_id": ["A valid integer is required."]}),
    ],
)
def test_unknown_products_are_refused(api, product_id, body):
    response = add(api, product_id)

    assert response.status_code == 400
    assert response.json() == body
    assert CartLine.objects.count() == 0


def test_inactive_product_is_refused(api):
    hidden = ProductFactory.create(is_active=False)

    response = add(api, hidden.pk)

    assert response.status_code == 400
    assert response.json() == {"detail": "This product is not available."}


def test_patch_sets_the_quantity_and_zero_removes_the_line(api, product):
    add(api, product.pk, 1)

    response = api.patch(
        reverse("api:cart-line-detail", kwargs={"product_id": product.pk}), {"quantity": 3}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["lines"] == [boot_line(3, "49.90", "149.70")]
    assert CartLine.objects.get().quantity == 3

    response = api.patch(
        reverse("api:cart-line-detail", kwargs={"product_id": product.pk}), {"quantity": 0}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"lines": [], "subtotal": "0.00", "currency": "USD", "count": 0}
    assert CartLine.objects.count() == 0


@pytest.mark.parametrize(
    ("quantity", "status", "body"),
    [
        ("abc", 400, {"quantity": ["A valid integer is required."]}),
        (-1, 400, {"detail": "Quantity must be at least 1."}),
        (21, 400, {"detail": "You can buy at most 20 of one product per order."}),
        (4, 409, {"detail": "Only 3 of Ankle boot left in stock."}),
    ],
)
def test_patch_refuses_bad_quantities(api, product, quantity, status, body):
    add(api, product.pk, 2)

    response = api.patch(
        reverse("api:cart-line-detail", kwargs={"product_id": product.pk}), {"quantity": quantity}, format="json"
    )

    assert response.status_code == status
    assert response.json() == body
    assert CartLine.objects.get().quantity == 2


def test_patch_of_a_product_not_in_the_cart(api, product):
    other = ProductFactory.create()
    missing = {"detail": "This product is not in your cart."}

    assert (
        api.patch(
            reverse("api:cart-line-detail", kwargs={"product_id": other.pk}), {"quantity": 1}, format="json"
        ).json()
        == missing
    )
    assert Cart.objects.count() == 0  # a guest without a cart still has none
    add(api, product.pk)
    response = api.patch(
        reverse("api:cart-line-detail", kwargs={"product_id": other.pk}), {"quantity": 1}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == missing


def test_delete_removes_the_line(api, product):
    other = ProductFactory.create()
    add(api, product.pk, 2)
    add(api, other.pk)

    response = api.delete(reverse("api:cart-line-detail", kwargs={"product_id": other.pk}))

    assert response.status_code == 204
    assert api.get(reverse("api:cart")).json()["lines"] == [boot_line(2, "49.90", "99.80")]
    assert (
        api.delete(reverse("api:cart-line-detail", kwargs={"product_id": other.pk})).status_code == 204
    )  # not there: nothing to do
    # the public URL itself: reverse() cannot build it (the route takes at most 18 digits)
    assert api.delete("/api/cart/lines/1234567890123456789/").status_code == 404  # never a database id
    assert CartLine.objects.count() == 1


def test_guest_session_requests_need_the_csrf_token(product):
    api = APIClient(enforce_csrf_checks=True)
    assert add(api, product.pk).status_code == 201  # no session yet: nothing to protect

    response = add(api, product.pk)  # now the session cookie carries a cart

    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF token missing."}
    assert CartLine.objects.get().quantity == 1
    token = api.cookies["csrftoken"].value
    assert (
        api.patch(
            reverse("api:cart-line-detail", kwargs={"product_id": product.pk}), {"quantity": 3}, format="json"
        ).status_code
        == 403
    )
    assert api.delete(reverse("api:cart-line-detail", kwargs={"product_id": product.pk})).status_code == 403
    assert checkout(api).status_code == 403

    response = api.post(
        reverse("api:cart-line-list"), {"product_id": product.pk, "quantity": 1}, format="json", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 201
    assert CartLine.objects.get().quantity == 2


# --- Shipping methods ------------------------------------------------------------------------


def test_shipping_methods_with_delivery_dates_from_today(api):
    with mock.patch("django.utils.timezone.localdate", return_value=FRIDAY):
        response = api.get(reverse("api:shipping-method-list"))

    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "standard",
            "name": "Standard",
            "price": "4.95",
            "min_days": 3,
            "max_days": 5,
            "delivery_earliest": "2025-01-08",
            "delivery_latest": "2025-01-10",
        },
        {
            "code": "express",
            "name": "Express",
            "price": "14.95",
            "min_days": 1,
            "max_days": 2,
            "delivery_earliest": "2025-01-06",
            "delivery_latest": "2025-01-07",
        },
    ]


# --- Schema ----------------------------------------------------------------------------------


def test_schema_lists_the_cart_checkout_and_order_endpoints(api):
    response = api.get(reverse("api:schema"), {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, methods in {  # the public URL itself: the documented paths
        "/api/cart/": {"get"},
        "/api/cart/lines/": {"post"},
        "/api/cart/lines/{product_id}/": {"patch", "delete"},
        "/api/shipping-methods/": {"get"},
        "/api/checkout/": {"post"},
        "/api/orders/": {"get"},
        "/api/orders/{number}/": {"get"},
        "/api/auth/token/": {"post", "delete"},
    }.items():
        assert set(paths[path]) == methods, path
    checkout_op = paths["/api/checkout/"]["post"]
    assert checkout_op["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CheckoutRequest"
    }
    assert set(checkout_op["responses"]) == {"200", "201", "400", "409"}
