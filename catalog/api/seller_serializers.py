"""Seller API serializers. They parse and shape data only, with the web form's field limits
(``catalog.forms.SellerProductForm``); photos are validated, stored and enqueued for embedding
by the seller services, which also enforce ownership and the seller's approval."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import Category, Product, ProductImage
from catalog.selectors import product_indexing_status
from core.limits import MAX_STOCK, PHOTOS_REQUIRED, upload_help_text
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

from .serializers import ProductImageSerializer

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


class SellerProductSerializer(serializers.ModelSerializer):
    """One of the seller's products, archived or not. ``price`` is a decimal string."""

    category: serializers.SlugRelatedField[Category] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    indexing_status = serializers.SerializerMethodField()
    images = ProductImageSerializer(many=True, read_only=True)

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
    stock = _stock_field()
    description = serializers.CharField(required=False, allow_blank=True, default="")
    images = _photos_field()


class SellerProductUpdateSerializer(serializers.Serializer):
    """Any of the fields; ``is_active`` false archives the product (hidden from the shop, kept
    for orders), true publishes it again. The SKU is the product's key and cannot change: a
    ``sku`` equal to the current one is accepted (and ignored), another one is a 400."""

    name = serializers.CharField(max_length=200, required=False)
    category = _category_field(required=False)
    price = _price_field(required=False)
    stock = _stock_field(required=False)
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
