"""The shop's error pages as a shopper meets them: a 404 with the shop's header, menu and a way
back (templates/404.html via core.views.page_not_found), and a 500 page that renders whatever
failed (templates/500.html, no request context)."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import TYPE_CHECKING
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client

from catalog.models import Category
from catalog.tests.factories import CategoryFactory

if TYPE_CHECKING:
    from pytest_django import Settings
    from pytest_django.live_server_helper import LiveServer

SHOP_HEADER = '<header class="site-header">'


@pytest.mark.django_db
def test_an_unknown_url_answers_the_shops_404_page_with_a_way_back(client: Client, settings: Settings) -> None:
    settings.DEBUG = False
    category = CategoryFactory.create(name="Ankle boots", slug="ankle-boots")
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert SHOP_HEADER in html
    assert "Page not found · Vitrine" in html
    assert '<a href="/" role="button" data-testid="back-to-shop">Back to the shop</a>' in html
    assert f'<li><a href="{category.get_absolute_url()}">Ankle boots</a></li>' in html
    # Django's own message for an unmatched URL is for developers: not shown.
    assert "Resolver404" not in html and "<p>The link may be old" in html


@pytest.mark.django_db
def test_a_missing_product_answers_404_saying_so(client: Client, settings: Settings) -> None:
    settings.DEBUG = False
    response = client.get("/p/no-such-boot/")
    assert response.status_code == 404
    assert "<p>No such product. The link may be old" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_with_debug_off_a_live_server_answers_an_unknown_url_with_the_shops_404(
    live_server: LiveServer, settings: Settings
) -> None:
    settings.DEBUG = False
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{live_server.url}/c/no-such-category/", timeout=30)
    assert caught.value.code == 404
    html = caught.value.read().decode()
    assert SHOP_HEADER in html
    assert "No such category." in html
    assert "URLconf" not in html  # not Django's debug page


@pytest.mark.urls("core.tests.urls")
def test_a_server_error_answers_the_500_page_without_the_request_context(settings: Settings) -> None:
    """The failure may be in what the header reads (here the category menu's database query):
    the 500 page still renders, since it needs no context processor."""
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    with mock.patch.object(Category.objects, "order_by", side_effect=DatabaseError("no database")):
        response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert [t.name for t in response.templates] == ["500.html"]
    assert "<h1>Something went wrong on our side</h1>" in html
    assert '<a href="/" role="button">Back to the shop</a>' in html
