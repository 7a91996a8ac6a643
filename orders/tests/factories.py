"""Factories for orders, order lines and payments. They write rows directly: no cart, no stock
taken, no totals recomputed when a line is added. For an order as checkout makes it, use
``orders.tests.flows.order_placed`` (the real services)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.conf import settings
from django.utils import timezone

from catalog.tests.factories import ProductFactory
from orders.models import Order, OrderLine, Payment


class OrderFactory(factory.django.DjangoModelFactory[Order]):
    """A guest's order awaiting payment, shipped "standard" to London: subtotal 0.00 until
    ``subtotal`` (and ``total``, which defaults to subtotal + shipping) is given."""

    class Meta:
        model = Order

    user = None
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    status = Order.Status.PENDING_PAYMENT
    full_name = "Ada Lovelace"
    phone = "+44 20 7946 0000"
    address_line1 = "12 St James's Square"
    city = "London"
    postcode = "SW1Y 4JH"
    country = "GB"
    shipping_method = "standard"
    shipping_method_name = "Standard"
    delivery_earliest = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    delivery_latest = factory.LazyAttribute(lambda o: o.delivery_earliest + timedelta(days=2))
    currency = factory.LazyFunction(lambda: settings.SHOP_CURRENCY)
    subtotal = Decimal("0.00")
    shipping_price = Decimal("4.95")
    total = factory.LazyAttribute(lambda o: o.subtotal + o.shipping_price)


class OrderLineFactory(factory.django.DjangoModelFactory[OrderLine]):
    """A line snapshotting its product's name, its first size's size and SKU, and the product's
    price (``line_total`` = price × quantity)."""

    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    variant = factory.LazyAttribute(lambda o: o.product.variants.first() if o.product else None)
    product_name = factory.LazyAttribute(lambda o: o.product.name)
    size = factory.LazyAttribute(lambda o: o.variant.size if o.variant else "")
    sku = factory.LazyAttribute(lambda o: o.variant.sku if o.variant else o.product.sku)
    unit_price = factory.LazyAttribute(lambda o: o.product.price)
    quantity = 1
    line_total = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


class PaymentFactory(factory.django.DjangoModelFactory[Payment]):
    """A payment attempt for its order's total with the "test" card provider, status waiting."""

    class Meta:
        model = Payment

    order = factory.SubFactory(OrderFactory)
    variant = "test"
    currency = factory.LazyAttribute(lambda o: o.order.currency)
    total = factory.LazyAttribute(lambda o: o.order.total)
