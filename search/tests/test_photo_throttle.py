"""Find by photo is throttled per client (security review H3): the page's form and the API's
upload share PHOTO_SEARCH_RATE, counted per user, session and IP."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pytest_django import Settings

pytestmark = pytest.mark.django_db

PAGE = "shop:image_search"
API = "api:image-search"


@pytest.fixture(autouse=True)
def _three_a_minute(settings: Settings) -> Iterator[None]:
    settings.PHOTO_SEARCH_RATE = "3/min"
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    yield
    cache.clear()


def _post(client: Client, route: str, *, client_address: str = "198.51.100.10", spoof: str = "10.0.0.1") -> int:
    # Not a photo: the search answers 400 at once (no CNN), and the attempt still counts.
    upload = SimpleUploadedFile("q.jpg", b"not an image", content_type="image/jpeg")
    meta: dict[str, Any] = {"REMOTE_ADDR": "172.18.0.5", "HTTP_X_FORWARDED_FOR": f"{spoof}, {client_address}"}
    return client.post(reverse(route), {"image": upload}, **meta).status_code


@pytest.mark.parametrize("route", [PAGE, API])
@pytest.mark.parametrize("logged_in", [False, True])
def test_the_fourth_photo_search_in_a_minute_is_429(route: str, logged_in: bool) -> None:
    client = Client()
    if logged_in:
        client.force_login(UserFactory.create())
    assert [_post(client, route, spoof=f"10.0.0.{i}") for i in range(4)] == [400, 400, 400, 429]
    # Another client is not held up.
    assert _post(Client(), route, client_address="203.0.113.20") == 400


def test_the_page_says_why_and_does_not_open_the_photo() -> None:
    client = Client()
    for _ in range(3):
        _post(client, PAGE)
    with mock.patch("recommender.services.image_open_validated") as image_open:
        response = client.post(
            reverse(PAGE),
            {"image": SimpleUploadedFile("q.jpg", b"x")},
            REMOTE_ADDR="172.18.0.5",
            HTTP_X_FORWARDED_FOR="198.51.100.10",
        )
    assert response.status_code == 429
    assert b"Too many photo searches from here. Try again in 60 seconds." in response.content
    image_open.assert_not_called()


def test_the_page_and_the_api_share_one_budget_per_user_whatever_the_ip() -> None:
    user = UserFactory.create()
    client = Client()
    client.force_login(user)
    statuses = [
        _post(client, PAGE, client_address="198.51.100.1"),
        _post(client, API, client_address="198.51.100.2"),
        _post(client, PAGE, client_address="198.51.100.3"),
        _post(client, API, client_address="198.51.100.4"),
    ]
    assert statuses == [400, 400, 400, 429]


def test_off_means_no_limit(settings: Settings) -> None:
    settings.PHOTO_SEARCH_RATE = "off"
    client = Client()
    assert {_post(client, API) for _ in range(6)} == {400}
