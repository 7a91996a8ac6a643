"""Web (HTML) answers for domain errors, the client-IP and form helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import loader
from django.test import Client, RequestFactory

from core.exceptions import ShopError
from core.forms import form_add_validation_error
from core.http import client_ip

if TYPE_CHECKING:
    from pytest_django import Settings


SHOP_HEADER = '<header class="site-header">'


@pytest.mark.django_db  # the header's category menu and cart
@pytest.mark.urls("core.tests.urls")
def test_a_not_found_raised_in_a_web_view_answers_the_shops_404_page_with_its_reason(
    client: Client, settings: Settings
) -> None:
    settings.DEBUG = False
    response = client.get("/missing/")
    assert response.status_code == 404
    assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]
    html = response.content.decode()
    assert SHOP_HEADER in html
    assert "<p>No such thing. The link may be old or mistyped" in html


def test_the_500_template_renders_with_no_context_at_all() -> None:
    html = loader.get_template("500.html").render()
    assert '<a class="brand" href="/">Vitrine</a>' in html
    assert "/static/css/vitrine.css" in html


@pytest.mark.urls("core.tests.urls")
def test_other_shop_errors_are_left_to_the_view(client: Client) -> None:
    with pytest.raises(ShopError, match="^Not like this.$"):
        client.get("/refused/")


def test_client_ip_is_the_remote_address_when_no_proxy_is_trusted() -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_ip(request) == "203.0.113.7"
    del request.META["REMOTE_ADDR"]
    assert client_ip(request) is None


def test_client_ip_behind_one_proxy_is_the_last_forwarded_hop(settings: Settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1")
    assert client_ip(spoofed) == "198.51.100.1"
    # Straight to Django (no header): the peer itself; a garbage hop is no address at all.
    assert client_ip(factory.get("/", REMOTE_ADDR="172.18.0.5")) == "172.18.0.5"
    assert client_ip(factory.get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, junk")) is None
    settings.TRUSTED_PROXY_COUNT = 2
    two = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 2001:DB8::1, 10.0.0.1")
    assert client_ip(two) == "2001:db8::1"


class _NameForm(forms.Form):
    name = forms.CharField()


def test_form_add_validation_error_puts_messages_on_fields_or_the_form() -> None:
    form = _NameForm(data={"name": "Boot"})
    assert form.is_valid()
    form_add_validation_error(form, ValidationError({"name": ["Taken."], "sku": ["In use."]}))
    assert form.errors == {"name": ["Taken."], "__all__": ["In use."]}
    form = _NameForm(data={"name": "Boot"})
    assert form.is_valid()
    form_add_validation_error(form, ValidationError("Try again."))
    assert form.errors == {"__all__": ["Try again."]}
