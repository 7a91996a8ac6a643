"""Sizes: the runs (``catalog.sizes``), a product's variants and their stock."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.exceptions import InsufficientStock
from catalog.models import Product, ProductVariant
from catalog.services import (
    VariantSpec,
    product_create,
    product_variant_stock_set,
    product_variants_set,
    variant_stock_return,
    variant_stock_take,
)
from catalog.sizes import SizeRun, run_sizes, size_normalise, size_position

from .factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _stock(product: Product) -> dict[str, int]:
    return dict(product.variants.values_list("size", "stock"))


def test_runs_are_listed_smallest_first():
    assert run_sizes(SizeRun.APPAREL) == ("XS", "S", "M", "L", "XL", "XXL")
    assert run_sizes(SizeRun.FOOTWEAR) == tuple(f"EU {n}" for n in range(36, 47))
    assert run_sizes(SizeRun.WAIST) == ("W28", "W30", "W32", "W34", "W36", "W38")
    assert run_sizes(SizeRun.ONE_SIZE) == ("",)


@pytest.mark.parametrize(
    ("run", "value", "expected"),
    [
        (SizeRun.FOOTWEAR, "42", "EU 42"),
        (SizeRun.FOOTWEAR, "eu42", "EU 42"),
        (SizeRun.FOOTWEAR, " EU  42 ", "EU 42"),
        (SizeRun.FOOTWEAR, "47", None),
        (SizeRun.APPAREL, "xl", "XL"),
        (SizeRun.APPAREL, "XXXL", None),
        (SizeRun.WAIST, "32", "W32"),
        (SizeRun.ONE_SIZE, "", ""),
        (SizeRun.ONE_SIZE, "One size", ""),
        (SizeRun.ONE_SIZE, "M", None),
        (SizeRun.APPAREL, "", None),
    ],
)
def test_sizes_are_spelled_as_the_run_spells_them(run, value, expected):
    assert size_normalise(run, value) == expected


def test_sizes_sort_by_the_run_not_alphabetically():
    assert sorted(["L", "XS", "M", "S"], key=lambda s: size_position(SizeRun.APPAREL, s)) == ["XS", "S", "M", "L"]


def test_product_create_without_sizes_has_one_variant_holding_the_stock():
    product = product_create(category=CategoryFactory.create(), name="Tote", sku="T-1", price=Decimal("30"), stock=4)
    variant = product.variants.get()
    assert (variant.size, variant.sku, variant.stock, variant.price) == ("", "T-1", 4, None)
    assert variant.unit_price == Decimal("30.00")
    assert Product.objects.get(pk=product.pk).stock == 4


def test_product_create_with_sizes_sorts_them_and_sums_the_stock():
    shoes = CategoryFactory.create(name="Shoes", size_run=SizeRun.FOOTWEAR)
    product = product_create(
        category=shoes,
        name="Runner",
        sku="R-1",
        price=Decimal("80.00"),
        variants=[
            VariantSpec(size="43", stock=2),
            VariantSpec(size="eu 41", stock=0, sku="R-1-small"),
            VariantSpec(size="EU 42", stock=5, price=Decimal("85.00")),
        ],
    )
    rows = list(product.variants.values_list("size", "sku", "stock", "price", "position"))
    assert rows == [
        ("EU 41", "R-1-small", 0, None, 0),
        ("EU 42", "R-1-EU42", 5, Decimal("85.00"), 1),
        ("EU 43", "R-1-EU43", 2, None, 2),
    ]
    assert Product.objects.get(pk=product.pk).stock == 7
    assert product.variants.get(size="EU 42").unit_price == Decimal("85.00")
    assert str(product.variants.get(size="EU 42")) == "Runner (EU 42)"


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        (["EU 47"], "“EU 47” is not a size of Shoes (Footwear (EU 36–46): EU 36, EU 37,"),
        (["42", "EU 42"], "The size EU 42 is given twice."),
        ([], "Give at least one size."),
    ],
)
def test_bad_sizes_are_refused_and_nothing_is_written(sizes, message):
    shoes = CategoryFactory.create(name="Shoes", size_run=SizeRun.FOOTWEAR)
    with pytest.raises(ValidationError) as caught:
        product_create(
            category=shoes, name="X", sku="X-1", price=Decimal("1"), variants=[VariantSpec(size=s) for s in sizes]
        )
    assert message in caught.value.message_dict["variants"][0]


def test_variants_set_keeps_known_sizes_adds_new_ones_and_deletes_the_rest():
    tops = CategoryFactory.create(size_run=SizeRun.APPAREL)
    product = ProductFactory.create(category=tops, sku="TOP", variants=[("S", 1), ("M", 2), ("L", 3)])
    medium = product.variants.get(size="M")
    product_variants_set(product=product, variants=[VariantSpec(size="XL", stock=4), VariantSpec(size="m", stock=9)])
    assert list(product.variants.values_list("size", "stock", "sku")) == [("M", 9, "TOP-M"), ("XL", 4, "TOP-XL")]
    assert product.variants.get(size="M").pk == medium.pk  # its cart and order lines stay
    assert Product.objects.get(pk=product.pk).stock == 13


def test_stock_is_taken_per_size_and_the_product_sum_follows():
    tops = CategoryFactory.create(size_run=SizeRun.APPAREL)
    shirt = ProductFactory.create(category=tops, name="Shirt", variants=[("S", 2), ("M", 1)])
    bag = ProductFactory.create(name="Bag", stock=3)
    s, m, one = shirt.variants.get(size="S"), shirt.variants.get(size="M"), bag.variants.get()

    variant_stock_take(quantities={s.pk: 2, one.pk: 1})
    assert (_stock(shirt), _stock(bag)) == ({"S": 0, "M": 1}, {"": 2})
    assert list(Product.objects.order_by("pk").values_list("stock", flat=True)) == [1, 2]

    with pytest.raises(InsufficientStock, match=r"Sorry, Shirt \(S\), Shirt \(M\) sold out.") as caught:
        variant_stock_take(quantities={s.pk: 1, m.pk: 2, one.pk: 1})
    assert caught.value.product_names == ["Shirt (S)", "Shirt (M)"]
    assert (_stock(shirt), _stock(bag)) == ({"S": 0, "M": 1}, {"": 2})  # all or nothing
    assert list(Product.objects.order_by("pk").values_list("stock", flat=True)) == [1, 2]

    variant_stock_return(quantities={s.pk: 2, one.pk: 1})
    assert (_stock(shirt), _stock(bag)) == ({"S": 2, "M": 1}, {"": 3})
    assert list(Product.objects.order_by("pk").values_list("stock", flat=True)) == [3, 3]


def test_stock_set_of_one_size_resums_the_product():
    shoes = CategoryFactory.create(size_run=SizeRun.FOOTWEAR)
    product = ProductFactory.create(category=shoes, variants=[("EU 40", 2), ("EU 41", 2)])
    product_variant_stock_set(variant=product.variants.get(size="EU 41"), stock=7)
    assert Product.objects.get(pk=product.pk).stock == 9
    with pytest.raises(ValidationError):
        product_variant_stock_set(variant=product.variants.get(size="EU 41"), stock=-1)


def test_variant_stock_cannot_go_below_zero_in_the_database():
    from django.db import IntegrityError

    variant = ProductFactory.create(stock=1).variants.get()
    with pytest.raises(IntegrityError):
        ProductVariant.objects.filter(pk=variant.pk).update(stock=-1)
