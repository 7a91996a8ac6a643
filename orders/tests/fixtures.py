"""The product the order tests buy (registered once in the root conftest.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import Product
from catalog.tests.factories import ProductFactory


@pytest.fixture
def product(db: None) -> Product:
    """Ankle boot AB-1 at 49.90, 3 in stock."""
    return ProductFactory.create(name="Ankle boot", sku="AB-1", price=Decimal("49.90"), stock=3)
