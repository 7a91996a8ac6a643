"""The cart factories and fixtures."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from shop.models import Cart, CartLine
from shop.selectors import cart_summary
from shop.tests.factories import CartFactory, CartLineFactory

pytestmark = pytest.mark.django_db


def test_cart_factory_makes_a_guest_cart_and_a_users_cart(user):
    guest, mine = CartFactory.create(), CartFactory.create(user=user)
    assert guest.user is None and mine.user == user and user.cart == mine
    assert Cart.objects.count() == 2 and CartLine.objects.count() == 0


def test_cart_line_factory_puts_one_product_in_a_new_cart():
    line = CartLineFactory.create()
    assert line.quantity == 1 and line.cart.lines.get() == line
    summary = cart_summary(cart=line.cart)
    assert [(i.product.pk, i.quantity) for i in summary.items] == [(line.product.pk, 1)]
    assert summary.subtotal == line.product.price


def test_cart_lines_keep_the_database_constraints(cart):
    line = CartLineFactory.create(cart=cart, quantity=2)
    with pytest.raises(IntegrityError):
        CartLineFactory.create(cart=cart, product=line.product)  # one line per product


def test_cart_fixtures(cart, user_cart, user):
    assert cart.user is None and cart.lines.count() == 0
    assert user_cart.user == user and user_cart.lines.count() == 0
