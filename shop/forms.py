from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.forms.models import fields_for_model
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]  # not in its fields.pyi

from accounts.models import Address, User
from catalog.models import Category
from core.limits import CART_QUANTITY_INPUT_MAX, PHOTO_ACCEPT, cart_line_quantity_max, upload_help_text
from core.money import MONEY_DECIMAL_PLACES
from recommender.isolation import Box, InvalidBox, parse_box
from recommender.selectors import SEARCH_SORTS
from recommender.services import ALL_CATEGORIES

SORT_LABELS = {
    "similarity": "Most similar",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
}


class ImageSearchForm(forms.Form):
    """Find by photo. The photo itself is validated by ``image_open_validated`` in the service.

    Without a new photo, ``query_id`` (a hidden field the results page carries) searches the
    earlier photo's remembered vector again with the new options. ``box`` (set by the page's
    cropper) searches only that part of the photo."""

    image = forms.FileField(
        label="Photo",
        required=False,
        help_text=upload_help_text("{formats}, up to {limits}."),
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )
    box = forms.CharField(required=False, widget=forms.HiddenInput)
    query_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    category = forms.ChoiceField(required=False, label="Search in")
    min_price = forms.DecimalField(
        required=False, min_value=Decimal("0"), decimal_places=MONEY_DECIMAL_PLACES, label="Min price"
    )
    max_price = forms.DecimalField(
        required=False, min_value=Decimal("0"), decimal_places=MONEY_DECIMAL_PLACES, label="Max price"
    )
    sort = forms.ChoiceField(choices=[(s, SORT_LABELS[s]) for s in SEARCH_SORTS], required=False, initial="similarity")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", "Predicted category"),
            (ALL_CATEGORIES, "All categories"),
            *[(c.slug, c.name) for c in Category.objects.order_by("position", "name")],
        ]

    def clean_box(self) -> Box | None:
        value = self.cleaned_data["box"]
        if not value:
            return None
        try:
            return parse_box(value)
        except InvalidBox as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean returns cleaned_data
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", "The maximum price is below the minimum.")
        if not cleaned.get("image") and not cleaned.get("query_id") and "image" not in self.errors:
            self.add_error("image", "Choose a photo.")
        return cleaned


class _CartQuantityForm(forms.Form):
    """The quantity input's ``max`` (and help text) is the cart's real cap,
    ``CART_MAX_LINE_QUANTITY``. The form parses quantities up to ``CART_QUANTITY_INPUT_MAX``:
    between the two, ``shop.services`` refuses with the cap in its message."""

    quantity: forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cap = cart_line_quantity_max()
        self.fields["quantity"].widget.attrs["max"] = cap
        self.fields["quantity"].help_text = f"At most {cap} of one product per order."


class CartAddForm(_CartQuantityForm):
    """Add to cart. Only the product id and a quantity come from the browser, never a price."""

    product_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=1, max_value=CART_QUANTITY_INPUT_MAX, initial=1)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    #: The message for a quantity the form cannot take.
    invalid_quantity_message = f"Choose a quantity between 1 and {CART_QUANTITY_INPUT_MAX}."


class CartUpdateForm(_CartQuantityForm):
    product_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=0, max_value=CART_QUANTITY_INPUT_MAX)

    invalid_quantity_message = f"Choose a quantity between 0 and {CART_QUANTITY_INPUT_MAX}."


def checkout_address_fields() -> dict[str, forms.Field]:
    """The checkout's address fields, in order, from the model (``PostalAddress.ADDRESS_FIELDS``:
    lengths, required-ness, labels), with the checkout's own wording for two labels and the
    phone's help text; the country is a list of countries without an empty choice, US first chosen."""
    fields = fields_for_model(
        Address,
        fields=Address.ADDRESS_FIELDS,
        labels={"address_line2": "Apartment, suite, etc.", "postcode": "Postcode / ZIP"},
        help_texts={"phone": "For the courier, if they need to reach you."},
    )
    fields["country"] = LazyTypedChoiceField(choices=countries, initial="US")
    return {name: field for name, field in fields.items() if field is not None}


class CheckoutForm(forms.Form):
    """Contact, shipping address (``checkout_address_fields``, right after the email) and
    shipping method. Totals are computed on the server."""

    email = forms.EmailField(help_text="Your receipt and order link go here.")
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
