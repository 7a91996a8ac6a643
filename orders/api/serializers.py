"""Order serializers (read only: orders are placed through ``orders.services.order_place``)."""

from __future__ import annotations

from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from orders.models import Order, OrderLine


class OrderLineSerializer(serializers.ModelSerializer):
    """A line as it was sold: name, SKU and unit price are a snapshot taken at checkout."""

    product_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="null once the product is deleted."
    )

    class Meta:
        model = OrderLine
        fields = ["product_id", "product_name", "sku", "unit_price", "quantity", "line_total"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    """An order in a shopper's history. Amounts are decimal strings in ``currency``."""

    status_display = serializers.CharField(source="get_status_display", read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "status_display",
            "created_at",
            "currency",
            "subtotal",
            "shipping_price",
            "total",
            "delivery_earliest",
            "delivery_latest",
            "lines",
        ]
        read_only_fields = fields


class OrderDetailSerializer(OrderSerializer):
    """An order with its contact, shipping address and shipping method."""

    country = CountryField(read_only=True, help_text="ISO 3166-1 alpha-2 code.")

    class Meta(OrderSerializer.Meta):
        fields = [
            *OrderSerializer.Meta.fields,
            "email",
            *Order.ADDRESS_FIELDS,
            "shipping_method",
            "shipping_method_name",
            "cancel_reason",
        ]
        read_only_fields = fields
