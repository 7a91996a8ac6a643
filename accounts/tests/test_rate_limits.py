"""Login limits behind the reverse proxy (security review H1, H2): every request reaches Django
from nginx's one address, and the client is the last X-Forwarded-For hop."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_django import Settings

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-42"
NGINX = "172.18.0.5"
CLIENT_A = "198.51.100.10"
CLIENT_B = "203.0.113.20"
TOO_MANY = b"Too many failed login attempts. Try again later."


@pytest.fixture(autouse=True)
def _behind_nginx(settings: Settings) -> Iterator[None]:
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()  # allauth keeps its rate-limit counters in the cache
    yield
    cache.clear()


def _via_nginx(client_address: str, spoofed_first_hop: str | None = None) -> dict[str, Any]:
    """The META nginx gives Django: its own REMOTE_ADDR, and X-Forwarded-For with the client's
    own (forgeable) header, then the address nginx saw."""
    hops = [spoofed_first_hop, client_address] if spoofed_first_hop else [client_address]
    return {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": ", ".join(hops)}


def test_failed_logins_are_counted_per_client_behind_the_proxy_not_for_the_whole_shop() -> None:
    UserFactory.create(email="shopper@example.com", password=PASSWORD)
    attacker = Client()
    # Credential stuffing: a different account each time, so only the per-IP limit (10/m) applies.
    for i in range(10):
        response = attacker.post(
            reverse("account_login"),
            {"login": f"victim{i}@example.com", "password": "guess"},
            **_via_nginx(CLIENT_A, spoofed_first_hop=f"10.0.0.{i}"),
        )
        assert response.status_code == 200 and b"not correct" in response.content

    shopper = Client()
    response = shopper.post(
        reverse("account_login"), {"login": "shopper@example.com", "password": PASSWORD}, **_via_nginx(CLIENT_B)
    )
    assert response.status_code == 302
    assert "_auth_user_id" in shopper.session

    # The 11th attempt from A is refused, whatever A writes in front of the address nginx saw.
    response = attacker.post(
        reverse("account_login"),
        {"login": "victim10@example.com", "password": "guess"},
        **_via_nginx(CLIENT_A, spoofed_first_hop="192.0.2.99"),
    )
    assert response.status_code == 200
    assert TOO_MANY in response.content


def test_the_admin_login_form_is_allauths_so_its_failed_login_limits_apply() -> None:
    UserFactory.create(email="staff@example.com", password=PASSWORD, is_staff=True, is_superuser=True)
    attacker = Client()
    # Django's own admin form is gone: a POST to it logs nobody in, it only points to allauth's.
    response = attacker.post("/admin/login/?next=/admin/", {"username": "staff@example.com", "password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/admin/")
    assert "_auth_user_id" not in attacker.session
    assert Client().get("/admin/")["Location"] == "/admin/login/?next=/admin/"

    for _ in range(5):
        response = attacker.post(
            reverse("account_login"), {"login": "staff@example.com", "password": "guess"}, **_via_nginx(CLIENT_A)
        )
        assert b"not correct" in response.content
    staff = Client()
    response = staff.post(
        reverse("account_login") + "?next=/admin/",
        {"login": "staff@example.com", "password": PASSWORD},
        **_via_nginx(CLIENT_B),
    )
    assert TOO_MANY in response.content
    assert "_auth_user_id" not in staff.session

    cache.clear()  # the window passed: staff log in through allauth and reach the admin
    response = staff.post(
        reverse("account_login") + "?next=/admin/", {"login": "staff@example.com", "password": PASSWORD}
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert staff.get("/admin/").status_code == 200


def test_the_token_endpoint_is_throttled_per_client_whatever_the_client_forwards() -> None:
    user = UserFactory.create(email="seller@example.com", password=PASSWORD)
    api = Client()
    for i in range(10):
        response = api.post(
            reverse("api:auth-token"),
            {"email": f"someone{i}@example.com", "password": "guess"},
            **_via_nginx(CLIENT_A, spoofed_first_hop=f"10.1.0.{i}"),
        )
        assert response.status_code == 400
    response = api.post(
        reverse("api:auth-token"),
        {"email": user.email, "password": PASSWORD},
        **_via_nginx(CLIENT_A, spoofed_first_hop="10.1.0.99"),
    )
    assert response.status_code == 429
    # Another client is not held up.
    response = Client().post(
        reverse("api:auth-token"), {"email": user.email, "password": PASSWORD}, **_via_nginx(CLIENT_B)
    )
    assert response.status_code == 200


def test_the_token_endpoint_shares_the_per_account_failed_login_limit() -> None:
    user = UserFactory.create(email="seller@example.com", password=PASSWORD)
    for i in range(5):
        response = Client().post(
            reverse("api:auth-token"), {"email": user.email, "password": "guess"}, **_via_nginx(f"192.0.2.{i}")
        )
        assert response.json() == {"non_field_errors": ["Unable to log in with the provided credentials."]}
    response = Client().post(
        reverse("api:auth-token"), {"email": user.email, "password": PASSWORD}, **_via_nginx(CLIENT_B)
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Too many failed login attempts. Try again later."]}


def test_a_failed_token_request_hashes_the_password_once() -> None:
    user = UserFactory.create(email="seller@example.com", password=PASSWORD)
    with mock.patch.object(User, "check_password", autospec=True, side_effect=User.check_password) as check:
        response = Client().post(reverse("api:auth-token"), {"email": user.email, "password": "guess"})
    assert response.status_code == 400
    assert check.call_count == 1
