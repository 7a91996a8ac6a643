from __future__ import annotations

from rest_framework import serializers

from catalog.models import Category, Product, ProductImage


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class ProductSummarySerializer(serializers.ModelSerializer):
    """A product card: what lists and search results show. ``price`` is a decimal string;
    ``in_stock`` says whether it can be added to a cart now."""

    url = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    category = CategorySerializer(read_only=True)
    in_stock = serializers.BooleanField(read_only=True)
    colour = serializers.CharField(
        read_only=True, help_text='Dominant colour of its photo in the shop palette (e.g. "Red"); "" until analysed.'
    )

    class Meta:
        model = Product
        fields = ["id", "name", "slug", "url", "price", "category", "image_url", "in_stock", "colour"]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_url(self, product: Product) -> str:
        return self._absolute(product.get_absolute_url())

    def get_image_url(self, product: Product) -> str | None:
        image = product.primary_image
        return self._absolute(image.image.url) if image is not None else None


class ColourShareSerializer(serializers.Serializer):
    """One of a photo's dominant colours: a palette name and its share of the item's pixels (0-1)."""

    name = serializers.CharField()
    share = serializers.FloatField()


class ProductImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    colours = ColourShareSerializer(many=True, read_only=True)

    class Meta:
        model = ProductImage
        fields = ["id", "url", "width", "height", "position", "embedding_status", "colour", "colours"]

    def get_url(self, image: ProductImage) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(image.image.url) if request is not None else image.image.url


class ProductDetailSerializer(ProductSummarySerializer):
    images = ProductImageSerializer(many=True, read_only=True)

    class Meta(ProductSummarySerializer.Meta):
        fields = [*ProductSummarySerializer.Meta.fields, "sku", "description", "stock", "created_at", "images"]
