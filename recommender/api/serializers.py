from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from catalog.api.serializers import ProductSummarySerializer
from recommender.selectors import SEARCH_SORTS


class SimilarProductSerializer(serializers.Serializer):
    product = ProductSummarySerializer()
    similarity = serializers.FloatField(help_text="Cosine similarity of the product's image to the query, -1 to 1.")


class PredictedCategorySerializer(serializers.Serializer):
    slug = serializers.CharField(source="category.slug")
    name = serializers.CharField(source="category.name")
    probability = serializers.FloatField()


class ImageSearchRequestSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="JPEG, PNG or WebP; at most 10 MB and 40 megapixels.")
    category = serializers.CharField(
        required=False, allow_blank=True, help_text='A category slug, or "all". Default: the predicted category.'
    )
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    sort = serializers.ChoiceField(choices=SEARCH_SORTS, required=False, default="similarity")
    limit = serializers.IntegerField(min_value=1, max_value=settings.SEARCH_RESULTS_MAX_LIMIT, required=False)

    def validate(self, attrs):  # type: ignore[no-untyped-def]
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": "The maximum price is below the minimum."})
        return attrs


class ImageSearchResponseSerializer(serializers.Serializer):
    predicted_category = PredictedCategorySerializer(allow_null=True)
    results = SimilarProductSerializer(many=True)
