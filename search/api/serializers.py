from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from catalog.api.serializers import ProductSummarySerializer
from catalog.colours import COLOUR_NAMES, colour_name_normalise
from search.selectors import SearchFilters, SearchSort


class QueryField(serializers.CharField):
    """Search words: any text; a NUL character is a separator like any other non-word character
    (DRF refuses NUL in a plain CharField)."""

    def to_internal_value(self, data: Any) -> str:
        return super().to_internal_value(data).replace("\x00", " ")


class SearchParamsSerializer(serializers.Serializer):
    """The query string of ``GET /api/search/``: every parameter optional."""

    q = QueryField(required=False, allow_blank=True, trim_whitespace=False, default="", help_text="Search words")
    category = serializers.SlugField(required=False, max_length=100, help_text="Category slug")
    colour = serializers.CharField(
        required=False, max_length=20, help_text=f"Palette colour: {', '.join(COLOUR_NAMES)}"
    )
    min_price = serializers.DecimalField(required=False, max_digits=12, decimal_places=2, min_value=Decimal("0"))
    max_price = serializers.DecimalField(required=False, max_digits=12, decimal_places=2, min_value=Decimal("0"))
    in_stock = serializers.BooleanField(required=False, allow_null=True, default=None)
    sort = serializers.ChoiceField(choices=SearchSort.choices, required=False, default=SearchSort.RELEVANCE)
    page = serializers.IntegerField(required=False, min_value=1, max_value=10_000, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=24)
    query_id = serializers.RegexField(
        r"^[0-9a-f]{32}$",
        required=False,
        help_text="A photo to search with the words: the query_id of a POST /api/search/image/ answer. "
        "The photo's ranking and the words' are fused (weighted reciprocal rank fusion).",
    )

    def validate_colour(self, value: str) -> str:
        name = colour_name_normalise(value)
        if name is None:
            raise serializers.ValidationError(f"Not a shop colour; one of {', '.join(COLOUR_NAMES)}.")
        return name

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": ["Must be at least min_price."]})
        return attrs

    def filters(self) -> SearchFilters:
        data = self.validated_data
        return SearchFilters(
            category=data.get("category"),
            colour=data.get("colour"),
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            in_stock=data.get("in_stock"),
        )


class SuggestParamsSerializer(serializers.Serializer):
    q = QueryField(required=False, allow_blank=True, trim_whitespace=False, default="")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=20, default=8)


class SearchHitSerializer(serializers.Serializer):
    product = ProductSummarySerializer()
    score = serializers.FloatField(help_text="Higher is better (relevance, or the fused score with a photo).")


class CategoryFacetSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class ColourFacetSerializer(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()


class PriceRangeSerializer(serializers.Serializer):
    min = serializers.DecimalField(max_digits=12, decimal_places=2)
    max = serializers.DecimalField(max_digits=12, decimal_places=2)


class SearchFacetsSerializer(serializers.Serializer):
    category = CategoryFacetSerializer(many=True)
    colour = ColourFacetSerializer(many=True)
    price = PriceRangeSerializer(
        allow_null=True, help_text="Prices of the matches (ignoring the price filter); null when none."
    )
    in_stock = serializers.IntegerField(help_text="How many of the matches are in stock.")


class SearchResponseSerializer(serializers.Serializer):
    query = serializers.CharField(help_text="The query as searched (normalised).")
    count = serializers.IntegerField(help_text="Matches after the filters.")
    results = SearchHitSerializer(many=True, source="hits")
    facets = SearchFacetsSerializer(help_text="Counts over the matches; each facet ignores its own filter.")
    page = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    did_you_mean = serializers.CharField(allow_null=True, help_text="The query with its mis-spelt words corrected.")


class SuggestionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["query", "category", "colour", "product"])
    label = serializers.CharField()  # type: ignore[assignment]  # the field, not Field.label
    url = serializers.CharField()


class SuggestResponseSerializer(serializers.Serializer):
    suggestions = SuggestionSerializer(many=True)
