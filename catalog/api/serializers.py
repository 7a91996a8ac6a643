from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from catalog.colours import COLOUR_CHOICES
from catalog.models import Category, Product, ProductImage, ProductVariant
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


class FewLeftField(serializers.IntegerField):
    """Units left (from ``stock``), published only when ``SHOP_FEW_LEFT`` or fewer remain; null
    above that, so competitors cannot read stock levels. ``in_stock`` says whether any is left."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("source", "stock")
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault(
            "help_text", "Units left when only a few remain (at most SHOP_FEW_LEFT, e.g. 3); null when more."
        )
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def to_representation(self, value: int) -> int | None:  # type: ignore[override]
        return value if value <= settings.SHOP_FEW_LEFT else None


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
    has_sizes = serializers.BooleanField(
        read_only=True, help_text="Bought in a size: add it to a cart with a size (its variants), from its page."
    )
    colour = serializers.CharField(
        read_only=True, help_text='Dominant colour of its photo in the shop palette (e.g. "Red"); "" until analysed.'
    )

    class Meta:
        model = Product
        fields = ["id", "name", "slug", "url", "price", "category", "image_url", "in_stock", "has_sizes", "colour"]

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
    # Declared, not derived from the model: a read-only model field drops ``blank=True``, and the
    # schema then said "" (not analysed yet) was not a colour (found by the API fuzz run).
    colour = serializers.ChoiceField(
        choices=COLOUR_CHOICES,
        allow_blank=True,
        read_only=True,
        help_text='Dominant colour of the photo in the shop palette (e.g. "Red"); "" until analysed.',
    )
    colours = ColourShareSerializer(many=True, read_only=True)

    class Meta:
        model = ProductImage
        fields = ["id", "url", "width", "height", "position", "embedding_status", "colour", "colours"]

    def get_url(self, image: ProductImage) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(image.image.url) if request is not None else image.image.url


class ProductVariantSerializer(serializers.ModelSerializer):
    """One size of a product: what a cart line is for (``variant_id``)."""

    size = serializers.CharField(read_only=True, help_text='e.g. "EU 42" or "M"; "" for a product of one size.')
    price = serializers.DecimalField(
        source="unit_price",
        read_only=True,
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        help_text="One unit of this size, in the shop currency (the product's price unless the size has its own).",
    )
    in_stock = serializers.BooleanField(read_only=True)
    stock_left = FewLeftField()

    class Meta:
        model = ProductVariant
        fields = ["id", "size", "sku", "stock_left", "price", "in_stock"]


class ProductDetailSerializer(ProductSummarySerializer):
    """A product with its photos and its sizes (``variants``, in size order); ``stock_left`` is
    the sum of the sizes' stock when only a few remain (``FewLeftField``), else null."""

    images = ProductImageSerializer(many=True, read_only=True)
    variants = ProductVariantSerializer(many=True, read_only=True)
    stock_left = FewLeftField()

    class Meta(ProductSummarySerializer.Meta):
        fields = [
            *ProductSummarySerializer.Meta.fields,
            "sku",
            "description",
            "stock_left",
            "created_at",
            "images",
            "variants",
        ]
