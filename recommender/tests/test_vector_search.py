"""Nearest-neighbour search with hand-made unit vectors, so every similarity is known exactly.

Runs against the configured database: exact NumPy search on SQLite, pgvector (HNSW) on
PostgreSQL; the expected results are the same.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from catalog.models import Product, ProductImage
from catalog.tests.factories import CategoryFactory, ProductFactory
from recommender.models import ImageEmbedding
from recommender.vector_search import ProductFilters

from .vectors import E0, VERSION, embed, nearest_products, unit, vector_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """Products whose (best) cosine similarity to E0 is: a 1.0, b 0.8, c 0.6, d 0.0, e -1.0."""
    shoes, bags = CategoryFactory.create(name="Shoes"), CategoryFactory.create(name="Bags")
    products = {
        "a": ProductFactory.create(category=shoes, price=Decimal("10.00")),
        "b": ProductFactory.create(category=bags, price=Decimal("20.00")),
        "c": ProductFactory.create(category=shoes, price=Decimal("30.00")),
        "d": ProductFactory.create(category=bags, price=Decimal("40.00")),
        "e": ProductFactory.create(category=shoes, price=Decimal("50.00")),
    }
    embed(products["a"], E0)
    embed(products["b"], unit(0.0, 1.0), position=0)  # b's other photo: similarity 0
    embed(products["b"], unit(0.8, 0.6), position=1)
    embed(products["c"], unit(0.6, 0.8))
    embed(products["d"], unit(0.0, 1.0))
    embed(products["e"], unit(-1.0))
    return products


def search(products, **kwargs):
    by_pk = {p.pk: key for key, p in products.items()}
    kwargs.setdefault("limit", 10)
    return [
        (by_pk[pid], similarity) for pid, similarity in nearest_products(vector=E0, model_version=VERSION, **kwargs)
    ]


def test_results_are_ordered_by_cosine_similarity_one_per_product(shop):
    results = search(shop)

    assert [key for key, _ in results] == ["a", "b", "c", "d", "e"]
    assert [s for _, s in results] == pytest.approx([1.0, 0.8, 0.6, 0.0, -1.0], abs=1e-6)


def test_a_product_counts_with_its_best_image(shop):
    embed(shop["d"], unit(0.9, 0.1), position=1)  # d's second photo is close to the query

    results = search(shop)

    assert [key for key, _ in results] == ["a", "d", "b", "c", "e"]
    assert results[1][1] == pytest.approx(0.9 / np.hypot(0.9, 0.1), abs=1e-6)


def test_limit(shop):
    assert [key for key, _ in search(shop, limit=2)] == ["a", "b"]
    assert [key for key, _ in search(shop, limit=1)] == ["a"]


def test_exclusion(shop):
    results = search(shop, filters=ProductFilters(exclude_product_ids=(shop["a"].pk, shop["c"].pk)))

    assert [key for key, _ in results] == ["b", "d", "e"]


def test_category_filter(shop):
    bags = shop["b"].category

    assert [key for key, _ in search(shop, filters=ProductFilters(category_ids=(bags.pk,)))] == ["b", "d"]


def test_price_range_is_inclusive(shop):
    filters = ProductFilters(min_price=Decimal("20.00"), max_price=Decimal("40.00"))

    assert [key for key, _ in search(shop, filters=filters)] == ["b", "c", "d"]


def test_colour_filter_keeps_only_products_of_that_colour(shop):
    Product.objects.filter(pk__in=[shop["b"].pk, shop["e"].pk]).update(colour="Brown")

    assert [key for key, _ in search(shop, filters=ProductFilters(colour="Brown"))] == ["b", "e"]
    assert search(shop, filters=ProductFilters(colour="Pink")) == []


def test_filters_combine(shop):
    shoes = shop["a"].category
    filters = ProductFilters(category_ids=(shoes.pk,), min_price=Decimal("15"), exclude_product_ids=(shop["e"].pk,))

    assert [key for key, _ in search(shop, filters=filters)] == ["c"]


def test_inactive_products_never_appear(shop):
    shop["a"].is_active = False
    shop["a"].save()

    assert [key for key, _ in search(shop)] == ["b", "c", "d", "e"]


def test_min_similarity(shop):
    assert [key for key, _ in search(shop, min_similarity=0.5)] == ["a", "b", "c"]
    assert [key for key, _ in search(shop, min_similarity=0.0 - 1e-6)] == ["a", "b", "c", "d"]
    assert search(shop, min_similarity=1.01) == []


def test_only_the_requested_model_version(shop):
    other = ProductFactory.create()
    embed(other, E0, version="test-v2")

    assert other.pk not in dict(nearest_products(vector=E0, model_version=VERSION, limit=10))
    [(pk, similarity)] = nearest_products(vector=E0, model_version="test-v2", limit=10)
    assert pk == other.pk
    assert similarity == pytest.approx(1.0, abs=1e-6)
    assert nearest_products(vector=E0, model_version="never-used", limit=10) == []


def test_filtered_match_far_down_the_ranking_is_found():
    """200 near-duplicates in one category outrank the only match of the filter: the search
    must go past its first candidate windows (NumPy) / keep scanning the index (pgvector)."""
    crowd, rare = CategoryFactory.create(name="Crowd"), CategoryFactory.create(name="Rare")
    for n in range(200):
        embed(ProductFactory.create(category=crowd), unit(1.0, 0.001 * n))
    target = ProductFactory.create(category=rare)
    embed(target, unit(1.0, 1.0))

    results = nearest_products(
        vector=E0, model_version=VERSION, limit=5, filters=ProductFilters(category_ids=(rare.pk,))
    )

    [(pk, similarity)] = results
    assert pk == target.pk
    assert similarity == pytest.approx(np.sqrt(0.5), abs=1e-6)


def test_new_and_deleted_embeddings_are_seen_at_once(shop):
    assert [key for key, _ in search(shop, limit=2)] == ["a", "b"]

    newcomer = ProductFactory.create()
    shop["z"] = newcomer
    embed(newcomer, unit(0.99, 0.01))
    assert [key for key, _ in search(shop, limit=2)] == ["a", "z"]

    ImageEmbedding.objects.filter(product=shop["a"]).delete()  # not the newest row
    assert [key for key, _ in search(shop, limit=2)] == ["z", "b"]

    ImageEmbedding.objects.filter(product=newcomer).delete()  # the newest row
    assert [key for key, _ in search(shop, limit=2)] == ["b", "c"]


def test_vector_cache_refreshes_after_insert_and_delete(shop):
    product_ids, matrix = vector_cache.get(VERSION)
    assert matrix.shape == (6, 512) and matrix.dtype == np.float32
    assert sorted(product_ids.tolist()) == sorted([p.pk for p in shop.values()] + [shop["b"].pk])

    assert vector_cache.get(VERSION)[1] is matrix  # unchanged table: the same copy

    row = embed(shop["c"], unit(0.0, 0.0, 1.0), position=1)
    product_ids, matrix = vector_cache.get(VERSION)
    assert matrix.shape == (7, 512)
    assert np.array_equal(matrix[-1], unit(0.0, 0.0, 1.0))
    assert product_ids[-1] == shop["c"].pk

    ImageEmbedding.objects.filter(product=shop["a"]).delete()
    product_ids, matrix = vector_cache.get(VERSION)
    assert matrix.shape == (6, 512)
    assert shop["a"].pk not in product_ids.tolist()
    assert row.pk  # the newest row survives


def test_empty_index():
    assert nearest_products(vector=E0, model_version=VERSION, limit=10) == []


def test_a_product_with_many_close_photos_does_not_hide_the_next_product():
    many, other = ProductFactory.create(), ProductFactory.create()
    for position in range(12):
        embed(many, unit(1.0, 0.001 * position), position=position)
    embed(other, unit(1.0, 0.5))

    results = nearest_products(vector=E0, model_version=VERSION, limit=2)

    assert [pid for pid, _ in results] == [many.pk, other.pk]
    assert results[1][1] == pytest.approx(1 / np.hypot(1.0, 0.5), abs=1e-6)


def test_large_limits_are_served():
    """limit 100 over-fetches 400 rows, here only 20 products: the fetch widens to 1600 rows,
    beyond pgvector's largest hnsw.ef_search (1000)."""
    products = ProductFactory.create_batch(30)
    images = ProductImage.objects.bulk_create(
        ProductImage(product=p, image=f"products/test/{p.pk}-{k}.png", sha256="0" * 64, width=1, height=1, position=k)
        for p in products
        for k in range(20)
    )
    ImageEmbedding.objects.bulk_create(
        ImageEmbedding(
            product_image=image,
            product_id=image.product_id,
            model_version=VERSION,
            vector=unit(1.0, 0.01 * (n // 20), 0.0001 * (n % 20)),
        )
        for n, image in enumerate(images)
    )

    results = nearest_products(vector=E0, model_version=VERSION, limit=100)

    assert [pid for pid, _ in results] == [p.pk for p in products]
