from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock
from urllib.parse import parse_qs

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.fields import DateTimeField
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.fixtures import USER_PASSWORD
from orders.models import Order
from orders.selectors import order_link_key
from shop.models import Cart

from .flows import order_placed

pytestmark = pytest.mark.django_db

PASSWORD = USER_PASSWORD  # the ``user`` fixture's
ADDRESS = {
    "email": "someone-else@example.com",
    "full_name": "Grace Hopper",
    "address_line1": "1 Navy Yard",
    "city": "Arlington",
    "postcode": "22202",
    "country": "US",
    "shipping_method": "express",
}


@pytest.fixture(autouse=True)
def _fresh_throttle(settings):
    """The token endpoint's throttle counts requests in the cache: start every test at zero."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    cache.clear()
    yield
    cache.clear()


def token_client(user: User) -> APIClient:
    api = APIClient(enforce_csrf_checks=True)
    token = api.post(reverse("api:auth-token"), {"email": user.email, "password": PASSWORD}, format="json").json()[
        "token"
    ]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


# --- Tokens ----------------------------------------------------------------------------------


def test_token_from_email_and_password(user):
    api = APIClient()

    first = api.post(reverse("api:auth-token"), {"email": "grace@example.com", "password": PASSWORD}, format="json")
    second = api.post(reverse("api:auth-token"), {"email": "grace@example.com", "password": PASSWORD})  # a form post

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json() == {"token": Token.objects.get(user=user).key}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"email": "grace@example.com", "password": "wrong"},
            {"non_field_errors": ["Unable to log in with the provided credentials."]},
        ),
        (
            {"email": "nobody@example.com", "password": PASSWORD},
            {"non_field_errors": ["Unable to log in with the provided credentials."]},
        ),
        ({"username": "grace@example.com", "password": PASSWORD}, {"email": ["This field is required."]}),
        ({"email": "grace", "password": PASSWORD}, {"email": ["Enter a valid email address."]}),
        ({}, {"email": ["This field is required."], "password": ["This field is required."]}),
    ],
)
def test_token_refused(user, body, errors):
    response = APIClient().post(reverse("api:auth-token"), body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert Token.objects.count() == 0


def test_inactive_user_gets_no_token(user):
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = APIClient().post(reverse("api:auth-token"), {"email": user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 400
    assert Token.objects.count() == 0


def test_token_endpoint_is_throttled(user):
    api = APIClient()
    for _ in range(10):
        assert api.post(reverse("api:auth-token"), {"email": user.email, "password": "guess"}).status_code == 400

    response = api.post(reverse("api:auth-token"), {"email": user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["detail"].startswith("Request was throttled. Expected available in ")
    assert Token.objects.count() == 0


def test_bad_token_is_refused():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = api.get(reverse("api:cart"))

    # 403, not 401: the first authentication class (session) sends no WWW-Authenticate challenge.
    assert response.status_code == 403
    assert response.json() == {"detail": "Invalid token."}


# --- A token client's cart, checkout and orders ---------------------------------------------


def test_token_user_buys_without_csrf_and_sees_the_order(user, product):
    api = token_client(user)
    api.cookies["sessionid"] = "stale"  # a session cookie beside the token needs no CSRF token either

    assert (
        api.post(reverse("api:cart-line-list"), {"product_id": product.pk, "quantity": 2}, format="json").status_code
        == 201
    )
    assert api.get(reverse("api:cart")).json()["count"] == 2
    assert Cart.objects.get(user=user).lines.get().quantity == 2
    with mock.patch("django.utils.timezone.localdate", return_value=date(2025, 1, 3)):
        response = api.post(reverse("api:checkout"), {**ADDRESS, "checkout_token": str(uuid.uuid4())}, format="json")

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    body = response.json()
    assert (order.user, order.email, order.total) == (user, "grace@example.com", Decimal("114.75"))
    assert body["payment_url"] == f"http://127.0.0.1:8000/orders/{order.number}/pay/"  # no key: log in to pay
    assert body["order_url"] == f"http://127.0.0.1:8000/orders/{order.number}/"
    assert (body["order"]["email"], body["order"]["total"]) == ("grace@example.com", "114.75")
    assert (body["order"]["delivery_earliest"], body["order"]["delivery_latest"]) == ("2025-01-06", "2025-01-07")

    listed = api.get(reverse("api:order-list"))

    assert listed.status_code == 200
    assert listed.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "number": order.number,
                "status": "pending_payment",
                "status_display": "Pending payment",
                "created_at": DateTimeField().to_representation(order.created_at),
                "currency": "USD",
                "subtotal": "99.80",
                "shipping_price": "14.95",
                "total": "114.75",
                "delivery_earliest": "2025-01-06",
                "delivery_latest": "2025-01-07",
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
            }
        ],
    }
    detail = api.get(reverse("api:order-detail", kwargs={"number": order.number}))
    assert detail.status_code == 200
    assert detail.json() == body["order"]


def test_order_list_needs_a_login():
    response = APIClient().get(reverse("api:order-list"))

    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_order_list_holds_only_the_shoppers_orders(user, product):
    other = UserFactory.create(email="ada@example.com", password=PASSWORD)
    mine = [order_placed(products=[product], user=user, email=user.email) for _ in range(2)]
    order_placed(products=[product], user=other, email=other.email)
    order_placed(products=[product], email=user.email)  # a guest order with an unverified address
    api = token_client(user)

    numbers = [row["number"] for row in api.get(reverse("api:order-list")).json()["results"]]

    assert numbers == [mine[1].number, mine[0].number]

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    assert api.get(reverse("api:order-list")).json()["count"] == 3  # verified: their guest order joins


def test_session_user_sees_their_order(user, product):
    order = order_placed(products=[product], user=user, email=user.email)
    api = APIClient()
    api.force_login(user)

    response = api.get(reverse("api:order-detail", kwargs={"number": order.number}))

    assert response.status_code == 200
    assert response.json()["number"] == order.number


def test_another_users_order_is_not_found(user, product):
    order = order_placed(products=[product], user=user, email=user.email)
    stranger = token_client(UserFactory.create(email="ada@example.com", password=PASSWORD))
    not_found = {"detail": "No such order."}

    for api in (stranger, APIClient()):
        response = api.get(reverse("api:order-detail", kwargs={"number": order.number}))
        assert response.status_code == 404
        assert response.json() == not_found
    # A key opens a guest order only, never an account's.
    assert (
        APIClient()
        .get(reverse("api:order-detail", kwargs={"number": order.number}), {"key": order_link_key(order=order)})
        .status_code
        == 404
    )
    assert APIClient().get(reverse("api:order-detail", kwargs={"number": "VT-0000-0000"})).json() == not_found


def test_guest_checkout_link_key_opens_the_order(product):
    guest = APIClient()
    guest.post(reverse("api:cart-line-list"), {"product_id": product.pk}, format="json")
    placed = guest.post(reverse("api:checkout"), {**ADDRESS, "checkout_token": str(uuid.uuid4())}, format="json")
    assert placed.status_code == 201
    order = Order.objects.get()
    assert "?key=" in placed.json()["payment_url"]
    address, _, query = placed.json()["order_url"].partition("?")
    assert address == f"http://127.0.0.1:8000/orders/{order.number}/"
    key = parse_qs(query)["key"][0]

    response = APIClient().get(reverse("api:order-detail", kwargs={"number": order.number}), {"key": key})

    assert response.status_code == 200
    assert response.json() == placed.json()["order"]
    assert response.json()["email"] == "someone-else@example.com"
    forged = APIClient().get(reverse("api:order-detail", kwargs={"number": order.number}), {"key": key[:-3] + "abc"})
    assert forged.status_code == 404
    assert forged.json() == {"detail": "No such order."}
    assert APIClient().get(reverse("api:order-detail", kwargs={"number": order.number})).status_code == 404


def test_expired_guest_link_is_gone(product, settings):
    order = order_placed(products=[product])
    key = order_link_key(order=order)
    later = order.created_at + timedelta(days=settings.ORDER_LINK_MAX_AGE_DAYS + 1)

    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        response = APIClient().get(reverse("api:order-detail", kwargs={"number": order.number}), {"key": key})

    assert response.status_code == 410
    assert response.json() == {"detail": "This order link has expired."}
