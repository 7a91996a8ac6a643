"""Fixtures of the search tests: a small real catalog named like the demo's (``catalog.fashion_mnist``:
"Burgundy ankle boots", its description and price), the lexicon cache cleared per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest

from catalog.colours import COLOUR_NAMES
from catalog.fashion_mnist import CATEGORIES, demo_price, product_description, product_name
from catalog.models import Category, Product
from search.query import lexicon_clear


@pytest.fixture(autouse=True)
def _search_state() -> Iterator[None]:
    lexicon_clear()
    yield
    lexicon_clear()


@dataclass
class DemoCatalog:
    categories: dict[str, Category]  # slug -> category
    products: list[Product]

    def of(self, *, category: str | None = None, colour: str | None = None) -> set[int]:
        """Ids of the products in ``category`` (slug) and/or of ``colour``."""
        return {
            p.pk
            for p in self.products
            if (category is None or p.category.slug == category) and (colour is None or p.colour == colour)
        }


def demo_product(categories: dict[str, Category], *, label: int, colour: str, index: int, **fields) -> Product:
    """A product exactly as ``import_fashion_mnist`` names it (no photo), its colour set."""
    slug = CATEGORIES[label][1]
    values = {
        "category": categories[slug],
        "name": product_name(label, colour),
        "slug": f"{slug}-{index}",
        "sku": f"FM-{index:06d}",
        "description": product_description(label, colour, index),
        "price": demo_price(label, index),
        "stock": index % 5,
        **fields,
    }
    product = Product.objects.create(**values)
    Product.objects.filter(pk=product.pk).update(colour=colour)  # as the embedding worker writes it
    product.colour = colour
    return product


@pytest.fixture
def demo_categories(db) -> dict[str, Category]:
    return {
        slug: Category.objects.create(name=name, slug=slug, position=position)
        for position, (name, slug, _) in enumerate(CATEGORIES)
    }


@pytest.fixture
def demo_catalog(demo_categories) -> DemoCatalog:
    """120 products: every category in every palette colour (10 × 12), index = label * 12 + colour."""
    products = [
        demo_product(demo_categories, label=label, colour=colour, index=label * 12 + c)
        for label in range(len(CATEGORIES))
        for c, colour in enumerate(COLOUR_NAMES)
    ]
    return DemoCatalog(categories=demo_categories, products=products)


@pytest.fixture
def make_product(demo_categories) -> Callable[..., Product]:
    counter = iter(range(10_000, 20_000))

    def make(*, category: str = "dress", name: str = "Plain thing", description: str = "", **fields) -> Product:
        index = next(counter)
        return Product.objects.create(
            category=demo_categories[category],
            name=name,
            slug=f"p-{index}",
            sku=f"SKU-{index}",
            description=description,
            price=fields.pop("price", Decimal("10.00")),
            stock=fields.pop("stock", 3),
            **fields,
        )

    return make
