from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.exceptions import CategoryNotFound, ProductNotFound
from catalog.selectors import (
    category_get,
    category_list,
    product_get,
    product_list,
    product_newest_list,
    products_by_ids,
)

from .factories import CategoryFactory, ProductFactory, ProductImageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    """Two categories; products priced 10, 20, 30 (shoes) and 15 (bags), one inactive shoe.
    Created one day apart, the 10.00 shoe the oldest."""
    shoes = CategoryFactory.create(name="Shoes", position=1)
    bags = CategoryFactory.create(name="Bags", position=0)
    start = timezone.now() - timedelta(days=10)
    products = {
        "shoe10": ProductFactory.create(category=shoes, price=Decimal("10.00"), created_at=start),
        "shoe20": ProductFactory.create(category=shoes, price=Decimal("20.00"), created_at=start + timedelta(days=1)),
        "shoe30": ProductFactory.create(category=shoes, price=Decimal("30.00"), created_at=start + timedelta(days=2)),
        "bag15": ProductFactory.create(category=bags, price=Decimal("15.00"), created_at=start + timedelta(days=3)),
        "hidden": ProductFactory.create(
            category=shoes, price=Decimal("25.00"), is_active=False, created_at=start + timedelta(days=4)
        ),
    }
    return shoes, bags, products


def names(queryset, products):
    by_pk = {p.pk: key for key, p in products.items()}
    return [by_pk[p.pk] for p in queryset]


def test_product_list_defaults_to_active_newest_first(shelf):
    _, _, products = shelf

    queryset, filterset = product_list()

    assert filterset.is_valid()
    assert names(queryset, products) == ["bag15", "shoe30", "shoe20", "shoe10"]


def test_product_list_filters_by_category_slug(shelf):
    _, _, products = shelf

    queryset, _ = product_list(filters={"category": "shoes"})

    assert names(queryset, products) == ["shoe30", "shoe20", "shoe10"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["bag15", "shoe30", "shoe20", "shoe10"]),
        ("price_asc", ["shoe10", "bag15", "shoe20", "shoe30"]),
        ("price_desc", ["shoe30", "shoe20", "bag15", "shoe10"]),
    ],
)
def test_product_list_sorts(shelf, sort, expected):
    _, _, products = shelf

    queryset, _ = product_list(filters={"sort": sort})

    assert names(queryset, products) == expected


def test_product_list_price_range_is_inclusive(shelf):
    _, _, products = shelf

    queryset, _ = product_list(filters={"min_price": "15", "max_price": "20.00", "sort": "price_asc"})

    assert names(queryset, products) == ["bag15", "shoe20"]


def test_product_list_combines_category_price_and_sort(shelf):
    _, _, products = shelf

    queryset, _ = product_list(filters={"category": "shoes", "min_price": "20", "sort": "price_desc"})

    assert names(queryset, products) == ["shoe30", "shoe20"]


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"min_price": "cheap"}, "min_price"),
        ({"max_price": "-1"}, "max_price"),
        ({"sort": "random"}, "sort"),
        ({"category": "no-such-category"}, "category"),
    ],
)
def test_product_list_ignores_invalid_filters_and_reports_them(shelf, filters, field):
    _, _, products = shelf

    queryset, filterset = product_list(filters=filters)

    assert not filterset.is_valid()
    assert list(filterset.errors) == [field]
    assert names(queryset, products) == ["bag15", "shoe30", "shoe20", "shoe10"]


def test_product_list_loads_category_and_images_in_two_queries(shelf, django_assert_num_queries):
    _, _, products = shelf
    ProductImageFactory.create(product=products["shoe10"], position=1)
    first = ProductImageFactory.create(product=products["shoe10"], position=0)

    queryset, _ = product_list(filters={"sort": "price_asc"})
    # Products with categories (1), their images (1); the filter's category choices are not queried.
    with django_assert_num_queries(2):
        rows = [(p.category.name, p.primary_image) for p in queryset]

    assert rows[0] == ("Shoes", first)
    assert rows[1] == ("Bags", None)


def test_category_list_counts_active_products_in_position_order(shelf):
    # active_product_count is an annotation, set on each instance (not a field the stubs know)
    rows = [(c.name, vars(c)["active_product_count"]) for c in category_list()]

    assert rows == [("Bags", 1), ("Shoes", 3)]


def test_category_get_and_404(shelf):
    shoes, _, _ = shelf

    assert category_get(slug="shoes") == shoes
    with pytest.raises(CategoryNotFound, match="^No such category.$"):
        category_get(slug="hats")


def test_product_get_by_slug_or_pk_and_404_for_inactive(shelf):
    _, _, products = shelf

    assert product_get(slug=products["shoe20"].slug) == products["shoe20"]
    assert product_get(pk=products["bag15"].pk) == products["bag15"]
    with pytest.raises(ProductNotFound, match="^No such product.$"):
        product_get(slug=products["hidden"].slug)
    with pytest.raises(ProductNotFound, match="^No such product.$"):
        product_get(pk=999_999)


def test_products_by_ids_leaves_out_missing_and_inactive(shelf):
    _, _, products = shelf
    ids = [products["shoe10"].pk, products["hidden"].pk, 999_999, products["bag15"].pk]

    found = products_by_ids(ids=ids)

    assert found == {products["shoe10"].pk: products["shoe10"], products["bag15"].pk: products["bag15"]}


def test_product_newest_list_limit(shelf):
    _, _, products = shelf

    assert names(product_newest_list(limit=2), products) == ["bag15", "shoe30"]


def test_product_list_keeps_the_valid_filters_when_another_is_invalid(shelf):
    _, _, products = shelf

    queryset, filterset = product_list(filters={"category": "shoes", "sort": "popular", "max_price": "25"})

    assert list(filterset.errors) == ["sort"]  # the API answers 400 with it
    assert names(queryset, products) == ["shoe20", "shoe10"]
