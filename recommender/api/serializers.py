from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import ProductSummarySerializer
from catalog.colours import COLOUR_NAMES, colour_name_normalise
from core.limits import upload_help_text
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS
from recommender.isolation import Box, InvalidBox, parse_box
from recommender.selectors import SEARCH_SORTS


class SimilarProductSerializer(serializers.Serializer):
    product = ProductSummarySerializer()
    similarity = serializers.FloatField(help_text="Cosine similarity of the product's image to the query, -1 to 1.")
    score = serializers.FloatField(
        allow_null=True,
        help_text=(
            "Match score, 0 to 1: the share of the catalog's similar-items lists that are less similar "
            "(0.5 a typical similar item, 0.9 better than nine in ten); null until the recommender is trained."
        ),
    )


class PredictedCategorySerializer(serializers.Serializer):
    slug = serializers.CharField(source="category.slug")
    name = serializers.CharField(source="category.name")
    probability = serializers.FloatField()


class ImageSearchOptionsSerializer(serializers.Serializer):
    """What to search for a query photo: the same options for a new photo and a refinement."""

    category = serializers.CharField(
        required=False, allow_blank=True, help_text='A category slug, or "all". Default: the predicted category.'
    )
    min_price = serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, min_value=0, required=False
    )
    max_price = serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, min_value=0, required=False
    )
    colour = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"Only products of this colour ({', '.join(COLOUR_NAMES)}; any case): this, but in brown.",
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=settings.SEARCH_MAX_QUERY_LENGTH,
        help_text='Words to search together with the photo, e.g. "brown" or "brown leather": colour words keep '
        "only products of that colour, the other words re-rank the photo's matches (reciprocal rank fusion).",
    )
    sort = serializers.ChoiceField(choices=SEARCH_SORTS, required=False, default="similarity")
    limit = serializers.IntegerField(min_value=1, max_value=settings.SEARCH_RESULTS_MAX_LIMIT, required=False)

    def validate_colour(self, value: str) -> str:
        if not value:
            return ""
        name = colour_name_normalise(value)
        if name is None:
            raise serializers.ValidationError(f"Not a shop colour; choose one of {', '.join(COLOUR_NAMES)}.")
        return name

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": "The maximum price is below the minimum."})
        return attrs


class ImageSearchRequestSerializer(ImageSearchOptionsSerializer):
    image = serializers.FileField(help_text=upload_help_text("{formats}; at most {search_limits}."))
    box = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=(
            'Search only this part of the photo: "x0,y0,x1,y1", normalised to the photo (0 to 1, x to the '
            "right, y down, x0 < x1, y0 < y1, at least 1 % each way). Default: the whole photo."
        ),
    )
    field_order = ["image", "box", "category", "min_price", "max_price", "sort", "limit"]

    def validate_box(self, value: str) -> Box | None:
        if not value:
            return None
        try:
            return parse_box(value)
        except InvalidBox as exc:
            raise serializers.ValidationError(str(exc)) from None


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "number", "format": "float", "minimum": 0, "maximum": 1},
        "minItems": 4,
        "maxItems": 4,
        "example": [0.12, 0.08, 0.61, 0.93],
    }
)
class BoxField(serializers.Field):
    """A normalised box as ``[x0, y0, x1, y1]`` (floats in [0, 1], 4 decimals)."""

    def to_representation(self, value: Box) -> list[float]:
        return [round(v, 4) for v in value.as_tuple()]


class ImageSearchResponseSerializer(serializers.Serializer):
    query_id = serializers.CharField(
        help_text=(
            "Refine this search without the photo: GET /api/search/image/{query_id}/ with other options. "
            "Opaque; kept for SEARCH_QUERY_TTL_SECONDS (30 minutes)."
        )
    )
    box = BoxField(
        help_text=(
            "The item found in the part of the photo searched (the whole photo, or the box sent), as "
            "[x0, y0, x1, y1] normalised to the whole photo (0 to 1, x to the right, y down). "
            'Send it back as "x0,y0,x1,y1" to search just that item.'
        )
    )
    predicted_category = PredictedCategorySerializer(allow_null=True)
    searched_categories = PredictedCategorySerializer(
        many=True,
        help_text=(
            "The predicted categories searched, with their calibrated probabilities: one when the "
            "classifier is sure, up to PHOTO_SEARCH_MAX_CATEGORIES together when it is not; empty when a "
            "category (or all) was asked for. A product matching the photo very closely comes first anyway."
        ),
    )
    results = SimilarProductSerializer(many=True)
    close_match_id = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "The id of the product in results that is outside the categories searched: it matches the photo so "
            "closely (cosine similarity >= PHOTO_SEARCH_CLOSE_MATCH) that the photo very likely shows it. "
            "Null when there is none."
        ),
    )
