"""Factories for carts. They write rows directly (no stock or quantity limit checked): for a
cart filled the way a shopper fills it, use ``shop.services.cart_add_product``."""

from __future__ import annotations

import factory

from catalog.tests.factories import ProductFactory
from shop.models import Cart, CartLine


class CartFactory(factory.django.DjangoModelFactory[Cart]):
    """A guest's cart (no user); ``CartFactory.create(user=user)`` is a registered shopper's."""

    class Meta:
        model = Cart

    user = None


class CartLineFactory(factory.django.DjangoModelFactory[CartLine]):
    """One product in a cart, quantity 1 unless given; its first size unless ``variant`` is given."""

    class Meta:
        model = CartLine

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    variant = factory.LazyAttribute(lambda o: o.product.variants.first())
    quantity = 1
