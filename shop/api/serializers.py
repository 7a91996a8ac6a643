"""Cart and shipping serializers. They parse and shape data only: quantities, stock and prices
are checked and computed by ``shop.services``."""

from __future__ import annotations

from rest_framework import serializers

from catalog.models import Product, ProductVariant
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

# The largest id a database integer column holds: bigger ids would overflow the query, not miss.
ID_MAX = 2**63 - 1


class CartProductSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = ["id", "name", "sku", "slug", "url"]

    def get_url(self, product: Product) -> str:
        request = self.context.get("request")
        path = product.get_absolute_url()
        return request.build_absolute_uri(path) if request is not None else path


class CartVariantSerializer(serializers.ModelSerializer):
    size = serializers.CharField(help_text='"" for a product of one size.')

    class Meta:
        model = ProductVariant
        fields = ["id", "size", "sku"]


class CartLineSerializer(serializers.Serializer):
    """A ``shop.selectors.CartItem`` (one size of a product): prices are the catalog's current
    ones, decimal strings."""

    product = CartProductSerializer()
    variant = CartVariantSerializer(help_text="The size in the cart.")
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    line_total = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    problem = serializers.CharField(help_text='Why this line cannot be bought as it is ("" when it can).')


class CartSerializer(serializers.Serializer):
    """A ``shop.selectors.CartSummary``."""

    lines = CartLineSerializer(source="items", many=True)
    subtotal = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    currency = serializers.CharField(help_text="ISO 4217 code of every amount (the shop's currency).")
    count = serializers.IntegerField(help_text="Units in the cart.")


class CartLineAddSerializer(serializers.Serializer):
    """Only a product id, its size and a quantity come from the client: never a price."""

    product_id = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    variant_id = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text="The size (one of the product's `variants`); not needed for a product of one size.",
    )
    size = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        max_length=20,
        help_text='The size as the product lists it (e.g. "EU 42"), instead of `variant_id`.',
    )
    quantity = serializers.IntegerField(
        default=1,
        help_text="Units to add to what the cart already holds (whole number; the cart's limits and the stock apply).",
    )


class CartLineUpdateSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(help_text="The line's new quantity; 0 removes the line.")
    variant_id = serializers.IntegerField(
        min_value=1,
        max_value=ID_MAX,
        required=False,
        allow_null=True,
        default=None,
        help_text="Which size's line, when the cart holds several sizes of the product.",
    )


class ShippingMethodSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    min_days = serializers.IntegerField(help_text="Business days after payment.")
    max_days = serializers.IntegerField(help_text="Business days after payment.")
    delivery_earliest = serializers.DateField(help_text="For an order paid today.")
    delivery_latest = serializers.DateField(help_text="For an order paid today.")
