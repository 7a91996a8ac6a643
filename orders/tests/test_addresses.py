"""The address is defined once (``PostalAddress.ADDRESS_FIELDS``): the checkout form and
serializer, the profile form, the order serializer and admin, ``ShippingAddress`` and the
payment's billing fields all follow it."""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from typing import cast

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser

from accounts.forms import AddressForm
from accounts.models import Address, PostalAddress
from catalog.tests.factories import ProductFactory
from orders import forms as orders_forms
from orders.admin import OrderAdmin
from orders.api import serializers as orders_serializers
from orders.api.serializers import CheckoutSerializer, OrderDetailSerializer
from orders.forms import CheckoutForm
from orders.services import PAYMENT_BILLING_FIELDS, ShippingAddress, payment_create

from .flows import order_placed

FIELDS = ("full_name", "phone", "address_line1", "address_line2", "city", "postcode", "region", "country")
REQUIRED = {"full_name", "address_line1", "city", "postcode", "country"}


def test_the_address_fields_are_the_models_in_order() -> None:
    assert PostalAddress.ADDRESS_FIELDS == Address.ADDRESS_FIELDS == FIELDS
    assert ShippingAddress.FIELDS == FIELDS


def test_the_checkout_form_has_the_address_after_the_email() -> None:
    form = CheckoutForm(shipping_choices=[("standard", "Standard")], user=AnonymousUser())
    assert list(form.fields) == ["email", *FIELDS, "shipping_method", "checkout_token"]
    assert {name for name in FIELDS if form.fields[name].required} == REQUIRED
    assert [form[name].label for name in FIELDS] == [
        "Full name",
        "Phone",
        "Address",
        "Apartment, suite, etc.",
        "City",
        "Postcode / ZIP",
        "State / region",
        "Country",
    ]
    assert form.fields["phone"].help_text == "For the courier, if they need to reach you."
    assert [cast(forms.CharField, form.fields[name]).max_length for name in FIELDS[:-1]] == [
        200,
        40,
        200,
        200,
        100,
        20,
        100,
    ]
    country = cast(forms.ChoiceField, form.fields["country"])
    choices = cast("Iterable[tuple[str, str]]", country.choices)  # django-countries' lazy list of pairs
    assert country.initial == "US" and list(choices)[0] == ("AF", "Afghanistan")


def test_the_profile_form_has_the_address_then_the_default_flag() -> None:
    assert list(AddressForm().fields) == [*FIELDS, "is_default"]


def test_the_checkout_serializer_has_the_address_after_the_email() -> None:
    fields = CheckoutSerializer().fields
    assert list(fields) == ["email", *FIELDS, "shipping_method", "checkout_token"]
    assert {name for name in FIELDS if fields[name].required} == REQUIRED
    assert {name: fields[name].default for name in FIELDS if name not in REQUIRED} == {
        "phone": "",
        "address_line2": "",
        "region": "",
    }


def test_the_order_serializer_and_admin_show_the_address_in_order() -> None:
    detail = OrderDetailSerializer.Meta.fields
    start = detail.index("full_name")
    assert detail[start - 1 : start + len(FIELDS) + 1] == ["email", *FIELDS, "shipping_method"]
    shipping = dict(OrderAdmin.fieldsets)["Shipping"]["fields"]
    assert shipping == (*FIELDS, "shipping_method_name", "delivery_earliest", "delivery_latest")


def test_the_address_list_drives_the_form_and_serializer_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PostalAddress, "ADDRESS_FIELDS", ("full_name", "city", "country"))
    assert list(orders_forms.checkout_address_fields()) == ["full_name", "city", "country"]
    assert list(orders_serializers.checkout_address_fields()) == ["full_name", "city", "country"]
    assert list(CheckoutSerializer().fields) == [
        "email",
        "full_name",
        "city",
        "country",
        "shipping_method",
        "checkout_token",
    ]


def test_a_shipping_address_is_a_value() -> None:
    address = ShippingAddress(full_name="Ada", address_line1="1 Way", city="London", postcode="N1", country="GB")
    assert address.as_dict() == {
        "full_name": "Ada",
        "phone": "",
        "address_line1": "1 Way",
        "address_line2": "",
        "city": "London",
        "postcode": "N1",
        "region": "",
        "country": "GB",
    }
    assert (address.city, address.region) == ("London", "")
    assert address == ShippingAddress.from_data({**address.as_dict(), "email": "ada@example.com"})
    assert hash(address) == hash(ShippingAddress(**address.as_dict()))
    assert pickle.loads(pickle.dumps(address)) == address
    with pytest.raises(AttributeError):
        address.city = "Paris"
    with pytest.raises(AttributeError):
        address.email  # noqa: B018
    with pytest.raises(TypeError, match="^ShippingAddress is missing required fields: postcode, country$"):
        ShippingAddress(full_name="Ada", address_line1="1 Way", city="London")
    with pytest.raises(TypeError, match="^ShippingAddress got unexpected fields: email$"):
        ShippingAddress(**address.as_dict(), email="ada@example.com")


@pytest.mark.django_db
def test_the_payment_is_billed_to_the_orders_address() -> None:
    assert set(PAYMENT_BILLING_FIELDS.values()) <= set(FIELDS)
    order = order_placed(products=[ProductFactory.create(price="10.00", stock=5)])
    payment = payment_create(order=order)
    billing = {name: getattr(payment, name) for name in PAYMENT_BILLING_FIELDS}
    assert billing == {
        "billing_address_1": "12 St James's Square",
        "billing_address_2": "",
        "billing_city": "London",
        "billing_postcode": "SW1Y 4JH",
        "billing_country_code": "GB",
        "billing_country_area": "",
    }
    assert (payment.billing_first_name, payment.billing_last_name) == ("Ada", "Lovelace")
    assert payment.billing_email == "ada@example.com"
