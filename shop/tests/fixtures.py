"""Carts for any app's tests (registered once in the root conftest.py)."""

from __future__ import annotations

import pytest

from accounts.models import User
from shop.models import Cart

from .factories import CartFactory


@pytest.fixture
def cart(db: None) -> Cart:
    """An empty guest cart."""
    return CartFactory.create()


@pytest.fixture
def user_cart(user: User) -> Cart:
    """The ``user`` fixture's own cart, empty."""
    return CartFactory.create(user=user)
