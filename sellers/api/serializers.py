"""Seller API serializers. They parse and shape data only, with the web form's field limits
(``sellers.forms.SellerProductForm``); photos are validated, stored and enqueued for embedding
by the seller services, which also enforce ownership and the seller's approval."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import ProductImageSerializer
from catalog.models import Category, Product, ProductImage, ProductVariant
from catalog.selectors import product_indexing_status
from catalog.services import VariantSpec
from core.limits import MAX_STOCK, PHOTOS_REQUIRED, upload_help_text
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

PHOTOS_HELP = upload_help_text("One or several photos (repeat the field): {formats}, up to {limits} each.")

_indexing_status_field = serializers.ChoiceField(
    choices=Product.IndexingStatus.values,
    help_text='"indexing" while a photo waits for its embedding, "failed" when one failed, "indexed" when every '
    'photo is searchable, "no photos" without photos.',
)


def _photos_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(),
        allow_empty=False,
        help_text=PHOTOS_HELP,
        error_messages={"required": PHOTOS_REQUIRED, "empty": PHOTOS_REQUIRED},
    )


def _category_field(**kwargs: Any) -> serializers.SlugRelatedField[Category]:
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        help_text="A category slug (see /api/categories/).",
        error_messages={"does_not_exist": "No such category: {value}."},
        **kwargs,
    )


def _price_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES,
        min_value=Decimal("0.00"),
        help_text="In the shop currency.",
        **kwargs,
    )


def _stock_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_STOCK, **kwargs)


class SellerVariantSerializer(serializers.Serializer):
    """One size: ``size`` as the category's run spells it ("M", "EU 42", "W32"; "" for one
    size), its own ``stock``, and optionally its own ``sku`` (default: the product's plus the
    size) and ``price`` (default: the product's)."""

    size = serializers.CharField(max_length=20, allow_blank=True)
    stock = _stock_field()
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    price = _price_field(required=False, allow_null=True, default=None)

    def to_internal_value(self, data: Any) -> VariantSpec:
        return VariantSpec(**super().to_internal_value(data))


class SellerVariantReadSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductVariant
        fields = ["id", "size", "sku", "stock", "price"]
        read_only_fields = fields


def _variants_field(**kwargs: Any) -> SellerVariantSerializer:
    return SellerVariantSerializer(
        many=True,
        help_text="The sizes with their stock (replacing `stock`); sizes not listed are removed.",
        **kwargs,
    )


class SellerProductSerializer(serializers.ModelSerializer):
    """One of the seller's products, archived or not. ``price`` is a decimal string; ``stock``
    the sum of its sizes' (``variants``)."""

    category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    indexing_status = serializers.SerializerMethodField()
    images = ProductImageSerializer(many=True, read_only=True)
    variants = SellerVariantReadSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "sku",
            "slug",
            "category",
            "price",
            "stock",
            "description",
            "is_active",
            "indexing_status",
            "images",
            "variants",
        ]
        read_only_fields = fields

    @extend_schema_field(_indexing_status_field)
    def get_indexing_status(self, product: Product) -> str:
        return product_indexing_status(product)


class SellerProductCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    sku = serializers.CharField(max_length=64, help_text="Your stock-keeping unit; unique in the shop.")
    category = _category_field()
    price = _price_field()
    stock = _stock_field(required=False, default=0, help_text="For a product of one size (no `variants`).")
    variants = _variants_field(required=False, default=None)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    images = _photos_field()


class SellerProductUpdateSerializer(serializers.Serializer):
    """Any of the fields; ``is_active`` false archives the product (hidden from the shop, kept
    for orders), true publishes it again. The SKU is the product's key and cannot change: a
    ``sku`` equal to the current one is accepted (and ignored), another one is a 400."""

    name = serializers.CharField(max_length=200, required=False)
    category = _category_field(required=False)
    price = _price_field(required=False)
    stock = _stock_field(required=False, help_text="For a product of one size (no `variants`).")
    variants = _variants_field(required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    sku = serializers.CharField(
        max_length=64, required=False, help_text="Only the product's current SKU is accepted (it cannot change)."
    )

    def validate_sku(self, value: str) -> str:
        if value != self.context["product"].sku:
            raise serializers.ValidationError("The SKU cannot be changed.")
        return value


class SellerProductImagesSerializer(serializers.Serializer):
    images = _photos_field()


class SellerImageStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductImage
        fields = ["id", "embedding_status", "embedding_error"]
        read_only_fields = fields


class SellerProductStatusSerializer(serializers.Serializer):
    """A product's indexing status and each photo's embedding status (``embedding_error`` says
    why a photo failed; "" otherwise)."""

    indexing_status = serializers.SerializerMethodField()
    images = SellerImageStatusSerializer(many=True, read_only=True)

    @extend_schema_field(_indexing_status_field)
    def get_indexing_status(self, product: Product) -> str:
        return product_indexing_status(product)
