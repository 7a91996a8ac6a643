from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from .colours import COLOUR_CHOICES, colour_name_normalise
from .models import Category, Product

PRODUCT_SORTS = {
    "newest": ("-created_at", "-id"),
    "price_asc": ("price", "id"),
    "price_desc": ("-price", "-id"),
}


class ProductFilter(django_filters.FilterSet):
    """Filters shared by the storefront and the API: category, colour (a palette name, any case),
    price range (inclusive), sort."""

    category = django_filters.ModelChoiceFilter(
        field_name="category", queryset=Category.objects.all(), to_field_name="slug"
    )
    min_price = django_filters.NumberFilter(field_name="price", lookup_expr="gte", min_value=0)
    max_price = django_filters.NumberFilter(field_name="price", lookup_expr="lte", min_value=0)
    colour = django_filters.ChoiceFilter(choices=COLOUR_CHOICES, method="filter_colour", empty_label="Any colour")
    sort = django_filters.ChoiceFilter(
        choices=[("newest", "Newest"), ("price_asc", "Price: low to high"), ("price_desc", "Price: high to low")],
        method="filter_sort",
        empty_label=None,
    )

    class Meta:
        model = Product
        fields = ["category", "colour", "min_price", "max_price", "sort"]

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        if data is not None and data.get("colour"):  # "red" and "RED" mean the palette's "Red"
            data = data.copy()
            data["colour"] = colour_name_normalise(str(data["colour"])) or data["colour"]
        super().__init__(data, *args, **kwargs)

    def filter_colour(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return queryset.filter(colour=value)

    def filter_sort(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return queryset.order_by(*PRODUCT_SORTS.get(value, PRODUCT_SORTS["newest"]))
