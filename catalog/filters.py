from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from .models import Category, Product

PRODUCT_SORTS = {
    "newest": ("-created_at", "-id"),
    "price_asc": ("price", "id"),
    "price_desc": ("-price", "-id"),
}


class ProductFilter(django_filters.FilterSet):
    """Filters shared by the storefront and the API: category, price range (inclusive), sort."""

    category = django_filters.ModelChoiceFilter(
        field_name="category", queryset=Category.objects.all(), to_field_name="slug"
    )
    min_price = django_filters.NumberFilter(field_name="price", lookup_expr="gte", min_value=0)
    max_price = django_filters.NumberFilter(field_name="price", lookup_expr="lte", min_value=0)
    sort = django_filters.ChoiceFilter(
        choices=[("newest", "Newest"), ("price_asc", "Price: low to high"), ("price_desc", "Price: high to low")],
        method="filter_sort",
        empty_label=None,
    )

    class Meta:
        model = Product
        fields = ["category", "min_price", "max_price", "sort"]

    def filter_sort(self, queryset: QuerySet[Product], name: str, value: str) -> QuerySet[Product]:
        return queryset.order_by(*PRODUCT_SORTS.get(value, PRODUCT_SORTS["newest"]))
