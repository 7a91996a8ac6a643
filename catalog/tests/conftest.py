"""Sellers shared by the seller tests (pages, API)."""

from __future__ import annotations

import pytest

from accounts.models import Seller
from catalog.models import Category

from .factories import CategoryFactory, seller_create


@pytest.fixture
def category() -> Category:
    return CategoryFactory(name="Bag", slug="bag")


@pytest.fixture
def alice() -> Seller:
    return seller_create("alice@example.com", "Alice's Bags")


@pytest.fixture
def bob() -> Seller:
    return seller_create("bob@example.com", "Bob's Boots")
