"""The checkout form: contact, shipping address and shipping method (``orders.views.checkout``)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.forms.models import fields_for_model
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]  # not in its fields.pyi

from accounts.models import Address, User

#: HTML autofill tokens (WHATWG "autocomplete" section-shipping fields) and keyboards, so a phone
#: or browser fills the address in one tap and shows the right keyboard.
ADDRESS_AUTOFILL: dict[str, dict[str, str]] = {
    "full_name": {"autocomplete": "shipping name", "autocapitalize": "words"},
    "address_line1": {"autocomplete": "shipping address-line1"},
    "address_line2": {"autocomplete": "shipping address-line2"},
    "postcode": {"autocomplete": "shipping postal-code", "autocapitalize": "characters", "spellcheck": "false"},
    "city": {"autocomplete": "shipping address-level2"},
    "region": {"autocomplete": "shipping address-level1"},
    "country": {"autocomplete": "shipping country"},
    "phone": {"autocomplete": "shipping tel", "inputmode": "tel"},
}


def checkout_address_fields() -> dict[str, forms.Field]:
    """The checkout's address fields, in order, from the model (``PostalAddress.ADDRESS_FIELDS``:
    lengths, required-ness, labels), with the checkout's own wording for two labels and the
    phone's help text; the country is a list of countries without an empty choice, US first chosen.
    Each widget carries its autofill token (``ADDRESS_AUTOFILL``); the phone is ``type="tel"``."""
    fields = fields_for_model(
        Address,
        fields=Address.ADDRESS_FIELDS,
        labels={"address_line2": "Apartment, suite, etc.", "postcode": "Postcode / ZIP"},
        help_texts={"phone": "For the courier, if they need to reach you."},
    )
    fields["country"] = LazyTypedChoiceField(choices=countries, initial="US")
    if fields.get("phone") is not None:
        cast(forms.TextInput, fields["phone"].widget).input_type = "tel"  # its maxlength kept
    for name, attrs in ADDRESS_AUTOFILL.items():
        if fields.get(name) is not None:
            fields[name].widget.attrs.update(attrs)
    return {name: field for name, field in fields.items() if field is not None}


class CheckoutForm(forms.Form):
    """Contact, shipping address (``checkout_address_fields``, right after the email) and
    shipping method. Totals are computed on the server."""

    email = forms.EmailField(
        help_text="Your receipt and order link go here.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "off", "spellcheck": "false"}),
    )
    shipping_method = forms.ChoiceField(widget=forms.RadioSelect)
    save_address = forms.BooleanField(required=False, initial=True, label="Save this address to my account")
    checkout_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        shipping_choices: list[tuple[str, str]],
        user: User | AnonymousUser | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["shipping_method"]).choices = shipping_choices
        if user is None or not user.is_authenticated:
            del self.fields["save_address"]
        else:
            # A registered shopper's receipt goes to their account's address.
            self.fields["email"].disabled = True
            self.fields["email"].help_text = "Your account's email address."


_checkout_fields = dict(CheckoutForm.base_fields)
CheckoutForm.base_fields = {"email": _checkout_fields.pop("email"), **checkout_address_fields(), **_checkout_fields}


class OrderLookupForm(forms.Form):
    """ "Find my order": a guest's order number and the email address it was placed with."""

    number = forms.CharField(
        label="Order number",
        max_length=16,
        help_text="In your receipt, e.g. VT-7KQ2-M9XD.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )
    email = forms.EmailField(label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def clean_number(self) -> str:
        return str(self.cleaned_data["number"]).strip().upper()


class ShipmentForm(forms.Form):
    """A parcel's tracking number and carrier, for shipping lines (``orders.services.order_lines_ship``)."""

    tracking_number = forms.CharField(max_length=64, help_text="As printed on the parcel's label.")
    carrier = forms.CharField(max_length=64, required=False, help_text="e.g. DHL, UPS, Royal Mail.")
