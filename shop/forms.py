from __future__ import annotations

from decimal import Decimal

from django import forms

from catalog.models import Category
from recommender.selectors import SEARCH_SORTS
from recommender.services import ALL_CATEGORIES

SORT_LABELS = {
    "similarity": "Most similar",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
}


class ImageSearchForm(forms.Form):
    """Find by photo. The photo itself is validated by ``image_open_validated`` in the service."""

    image = forms.FileField(
        label="Photo",
        help_text="JPEG, PNG or WebP, up to 10 MB and 40 megapixels.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    category = forms.ChoiceField(required=False, label="Search in")
    min_price = forms.DecimalField(required=False, min_value=Decimal("0"), decimal_places=2, label="Min price")
    max_price = forms.DecimalField(required=False, min_value=Decimal("0"), decimal_places=2, label="Max price")
    sort = forms.ChoiceField(choices=[(s, SORT_LABELS[s]) for s in SEARCH_SORTS], required=False, initial="similarity")

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            ("", "Predicted category"),
            (ALL_CATEGORIES, "All categories"),
            *[(c.slug, c.name) for c in Category.objects.order_by("position", "name")],
        ]

    def clean(self):  # type: ignore[no-untyped-def]
        cleaned = super().clean()
        low, high = cleaned.get("min_price"), cleaned.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", "The maximum price is below the minimum.")
        return cleaned
