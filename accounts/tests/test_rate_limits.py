"""Login limits behind the reverse proxy (security review H1, H2): every request reaches Django
from nginx's one address, and the client is the last X-Forwarded-For hop."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

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


def _via_nginx(client_address: str, spoofed_first_hop: str | None = None) -> dict[str, str]:
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
