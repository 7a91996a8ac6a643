from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.http import QueryDict

from catalog.colours import COLOUR_CHOICES, colour_name_normalise
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
        help_text=upload_help_text("{formats}, up to {search_limits}."),
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )
    box = forms.CharField(required=False, widget=forms.HiddenInput)
    query_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
    q = forms.CharField(
        required=False,
        max_length=settings.SEARCH_MAX_QUERY_LENGTH,
        label="Words (optional)",
        widget=forms.TextInput(attrs={"placeholder": "e.g. brown", "type": "search", "enterkeyhint": "search"}),
    )
    colour = forms.ChoiceField(required=False, label="Colour", choices=[("", "Any colour"), *COLOUR_CHOICES])
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

    @classmethod
    def carried(cls, params: QueryDict) -> ImageSearchForm:
        """An unbound form whose initial words and filters are those of ``params`` (a text search's
        ``q``, ``colour``, ``category``, ``min_price``, ``max_price``) that are valid; the rest is
        left blank, never an error."""
        data = {key: params.get(key, "") for key in ("q", "colour", "category", "min_price", "max_price")}
        data["colour"] = colour_name_normalise(data["colour"]) or ""  # "navy" in a URL is the palette's Navy
        probe = cls(data)
        probe.is_valid()
        return cls(initial={key: value for key, value in probe.cleaned_data.items() if value not in (None, "")})

    def clean_colour(self) -> str:
        return colour_name_normalise(self.cleaned_data["colour"] or "") or ""

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
    """Add to cart. Only the product id, the size (``variant_id``: the size picker's radio
    buttons; not needed for a product of one size) and a quantity come from the browser, never a
    price."""

    product_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    variant_id = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=1, max_value=CART_QUANTITY_INPUT_MAX, initial=1)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    #: The message for a quantity the form cannot take.
    invalid_quantity_message = f"Choose a quantity between 1 and {CART_QUANTITY_INPUT_MAX}."


class CartUpdateForm(_CartQuantityForm):
    product_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    variant_id = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
    quantity = forms.IntegerField(min_value=0, max_value=CART_QUANTITY_INPUT_MAX)

    invalid_quantity_message = f"Choose a quantity between 0 and {CART_QUANTITY_INPUT_MAX}."
