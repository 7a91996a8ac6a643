from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import django_filters
from django.db.models import QuerySet

from core.money import money_format

from .colours import COLOUR_CHOICES, COLOUR_NAMES, colour_name_normalise
from .models import Category, Product

SORT_CHOICES = [("newest", "Newest"), ("price_asc", "Price: low to high"), ("price_desc", "Price: high to low")]
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
        choices=SORT_CHOICES,
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

    def without_invalid(self) -> ProductFilter:
        """The same filter set less its invalid values (call after ``is_valid()``): an odd value
        of one filter leaves the others, the category above all, in force."""
        data = {name: value for name, value in self.data.items() if name not in self.errors}
        return ProductFilter(data=data, queryset=self.queryset)


#: the order of the storefront's filter form, which the notices follow
NOTICE_ORDER = ("category", "sort", "colour", "min_price", "max_price")


def _choice_list(labels: list[str]) -> str:
    return ", ".join(labels[:-1]) + f" or {labels[-1]}" if len(labels) > 1 else "".join(labels)


def filter_ignored_sentence(*, name: str, raw: str, codes: set[str], sort_labels: list[str] | None = None) -> str:
    """One plain sentence saying that the query-string value ``raw`` of filter ``name`` was
    ignored and why (``codes``: its ``ValidationError`` codes; ``sort_labels``: the page's sort
    choices, the catalog's by default): "'abc' is not a price, so the minimum price was ignored."
    """
    if name == "sort":
        labels = sort_labels or [label for _, label in SORT_CHOICES]
        return f"We ignored the sort '{raw}': choose {_choice_list(labels)}."
    if name == "colour":
        return f"We ignored the colour '{raw}': choose {_choice_list(list(COLOUR_NAMES))}."
    if name in ("min_price", "max_price"):
        which = "minimum" if name == "min_price" else "maximum"
        reason = "is below zero" if "min_value" in codes else "is not a price"
        return f"'{raw}' {reason}, so the {which} price was ignored."
    return f"We ignored the {name.replace('_', ' ')} '{raw}'."


@dataclass(frozen=True)
class StorefrontFilters:
    """A storefront page's filters: ``data`` the valid ones (what to filter by and show in the
    form), ``notices`` one plain sentence per value that was ignored or changed."""

    data: dict[str, str]
    notices: list[str] = field(default_factory=list)


def product_filters_for_storefront(*, data: Mapping[str, str]) -> StorefrontFilters:
    """``data`` (a query string's ``ProductFilter`` parameters) less the values that are not
    valid, with a sentence for each ("'abc' is not a price, so the minimum price was ignored.");
    a price range given the wrong way round is turned round, and said so. The API answers 400
    for the same values instead (``catalog.api.views``)."""
    raw = {name: str(value) for name, value in data.items() if name in ProductFilter.base_filters}
    filterset = ProductFilter(data=raw, queryset=Product.objects.none())
    notices = []
    if not filterset.is_valid():
        errors_by_name = filterset.form.errors.as_data()
        for name in sorted(errors_by_name, key=lambda n: NOTICE_ORDER.index(n) if n in NOTICE_ORDER else 0):
            errors = errors_by_name[name]
            codes = {e.code or "" for e in errors}
            notices.append(filter_ignored_sentence(name=name, raw=raw.get(name, ""), codes=codes))
            raw.pop(name, None)
    cleaned = filterset.form.cleaned_data
    low, high = cleaned.get("min_price"), cleaned.get("max_price")
    if low is not None and high is not None and "min_price" in raw and "max_price" in raw and low > high:
        raw["min_price"], raw["max_price"] = raw["max_price"], raw["min_price"]
        notices.append(
            f"The minimum price ({money_format(low)}) was above the maximum ({money_format(high)}), "
            f"so we swapped them: {money_format(high)} to {money_format(low)}."
        )
    return StorefrontFilters(data=raw, notices=notices)
