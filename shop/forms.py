from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib.auth.models import AnonymousUser
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField  # type: ignore[attr-defined]  # not in its fields.pyi

from accounts.models import User
from catalog.models import Category
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
        help_text="JPEG, PNG or WebP, up to 10 MB and 40 megapixels.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    box = forms.CharField(required=False, widget=forms.HiddenInput)
    query_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    category = forms.ChoiceField(required=False, label="Search in")
    min_price = forms.DecimalField(required=False, min_value=Decimal("0"), decimal_places=2, label="Min price")
    max_price = forms.DecimalField(required=False, min_value=Decimal("0"), decimal_places=2, label="Max price")
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


class CartAddForm(forms.Form):
    """Add to cart. Only the product id and a quantity come from the browser, never a price."""

    product_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=1, max_value=1000, initial=1)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class CartUpdateForm(forms.Form):
    product_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=0, max_value=1000)


class CheckoutForm(forms.Form):
    """Contact, shipping address and shipping method. Totals are computed on the server."""

    email = forms.EmailField(help_text="Your receipt and order link go here.")
    full_name = forms.CharField(max_length=200, label="Full name")
    phone = forms.CharField(max_length=40, required=False, help_text="For the courier, if they need to reach you.")
    address_line1 = forms.CharField(max_length=200, label="Address")
    address_line2 = forms.CharField(max_length=200, required=False, label="Apartment, suite, etc.")
    city = forms.CharField(max_length=100)
    postcode = forms.CharField(max_length=20, label="Postcode / ZIP")
    region = forms.CharField(max_length=100, required=False, label="State / region")
    country = LazyTypedChoiceField(choices=countries, initial="US")
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
