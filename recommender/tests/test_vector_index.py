"""The ``VectorIndex`` interface: which implementation a database gets, that both implement
the protocol, and that the NumPy index finds exactly what a brute-force cosine search finds."""

from __future__ import annotations

import inspect
import types
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection

from catalog.tests.factories import CategoryFactory, ProductFactory
from recommender import vector_search
from recommender.vector_search import NumpyIndex, PgvectorIndex, ProductFilters, VectorIndex, vector_index

from .vectors import E0, VERSION, embed, unit

OPERATIONS = ("nearest_products", "similar_products")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite suite")
def test_vector_index_is_numpy_on_sqlite():
    assert type(vector_index()) is NumpyIndex


def test_vector_index_is_pgvector_on_postgresql(monkeypatch):
    monkeypatch.setattr(vector_search, "connection", types.SimpleNamespace(vendor="postgresql"))

    assert type(vector_index()) is PgvectorIndex


@pytest.mark.parametrize("vendor", ["sqlite", "mysql", "oracle"])
def test_vector_index_is_numpy_on_any_other_database(monkeypatch, vendor):
    monkeypatch.setattr(vector_search, "connection", types.SimpleNamespace(vendor=vendor))

    assert type(vector_index()) is NumpyIndex


def test_both_indexes_are_vector_indexes_without_a_database():
    # Typed assignments: mypy checks each class's structure against the protocol.
    numpy_index: VectorIndex = NumpyIndex()
    pgvector_index: VectorIndex = PgvectorIndex()

    assert isinstance(numpy_index, VectorIndex)
    assert isinstance(pgvector_index, VectorIndex)


@pytest.mark.parametrize("cls", [NumpyIndex, PgvectorIndex])
def test_both_indexes_implement_the_protocol_with_its_exact_signatures(cls):
    for name in OPERATIONS:
        assert inspect.signature(getattr(cls, name)) == inspect.signature(getattr(VectorIndex, name))


def test_the_numpy_cache_is_one_per_process():
    assert NumpyIndex().cache is NumpyIndex().cache is NumpyIndex.cache


def brute_force(vectors, product_of, query, allowed, limit, min_similarity=-1.0):
    """Every image's cosine similarity, each product's best, highest first (ties: lower id)."""
    best: dict[int, float] = {}
    for pid, similarity in zip(product_of, vectors @ query, strict=True):
        if pid in allowed and similarity >= min_similarity:
            best[pid] = max(best.get(pid, -2.0), float(similarity))
    return sorted(best.items(), key=lambda row: (-row[1], row[0]))[:limit]


@pytest.fixture
def random_shop(db):
    """40 products in 3 categories with 1-3 random unit vectors each (seeded)."""
    rng = np.random.default_rng(9)
    categories = [CategoryFactory.create() for _ in range(3)]
    products, vectors, product_of = [], [], []
    for n in range(40):
        product = ProductFactory.create(category=categories[n % 3], price=Decimal(10 + n))
        products.append(product)
        for position in range(int(rng.integers(1, 4))):
            vector = rng.normal(size=512).astype(np.float32)
            vector /= np.linalg.norm(vector)
            embed(product, vector, position=position)
            vectors.append(vector)
            product_of.append(product.pk)
    return types.SimpleNamespace(
        products=products, categories=categories, vectors=np.stack(vectors), product_of=product_of, rng=rng
    )


@pytest.mark.django_db
def test_numpy_index_finds_what_brute_force_finds(random_shop):
    shop = random_shop
    everything = {p.pk for p in shop.products}
    some = shop.categories[1]
    in_some = {p.pk for p in shop.products if p.category_id == some.pk}

    for _ in range(5):
        query = shop.vectors[int(shop.rng.integers(len(shop.vectors)))]
        found = NumpyIndex().nearest_products(vector=query, model_version=VERSION, limit=7)
        filtered = NumpyIndex().nearest_products(
            vector=query, model_version=VERSION, limit=5, filters=ProductFilters(category_ids=(some.pk,))
        )

        expected = brute_force(shop.vectors, shop.product_of, query, everything, 7)
        assert [pid for pid, _ in found] == [pid for pid, _ in expected]
        assert [s for _, s in found] == pytest.approx([s for _, s in expected], abs=1e-5)
        assert found[0][1] == pytest.approx(1.0, abs=1e-5)  # the query is a stored vector
        expected = brute_force(shop.vectors, shop.product_of, query, in_some, 5)
        assert [pid for pid, _ in filtered] == [pid for pid, _ in expected]


@pytest.mark.django_db
def test_similar_products_searches_with_the_products_mean_vector(random_shop):
    """Both indexes (whichever the database gets): the normalised mean of the product's vectors
    is the query, so the product itself comes first with its best similarity to that mean."""
    shop = random_shop
    product = shop.products[4]
    mine = shop.vectors[[i for i, pid in enumerate(shop.product_of) if pid == product.pk]]
    mean = mine.mean(axis=0)
    mean /= np.linalg.norm(mean)
    others = ProductFilters(exclude_product_ids=(product.pk,))

    similar = vector_index().similar_products(product_id=product.pk, model_version=VERSION, limit=6, filters=others)
    itself = vector_index().similar_products(product_id=product.pk, model_version=VERSION, limit=1)

    expected = brute_force(shop.vectors, shop.product_of, mean, {p.pk for p in shop.products} - {product.pk}, 6)
    assert [pid for pid, _ in similar] == [pid for pid, _ in expected]
    assert [s for _, s in similar] == pytest.approx([s for _, s in expected], abs=1e-5)
    assert itself[0][0] == product.pk
    assert itself[0][1] == pytest.approx(float(np.max(mine @ mean)), abs=1e-5)


@pytest.mark.django_db
def test_similar_products_is_empty_without_vectors_for_that_model():
    shoes = CategoryFactory.create()
    product, other = ProductFactory.create(category=shoes), ProductFactory.create(category=shoes)
    embed(other, E0)
    embed(product, unit(0.0, 1.0), version="another-model")

    assert vector_index().similar_products(product_id=product.pk, model_version=VERSION, limit=5) == []
    assert vector_index().similar_products(product_id=ProductFactory.create().pk, model_version=VERSION, limit=5) == []


@pytest.mark.slow
@pytest.mark.parametrize("category", [None, "sneaker"])
def test_numpy_index_top_10_on_the_real_sample_matches_brute_force(sample_catalog, sample_embeddings, category):
    """The 120 real catalog embeddings, queried with the 40 real test photos' embeddings."""
    version = sample_embeddings.model_version
    product_of = [product.pk for product in sample_catalog.products]  # one image per product
    allowed = {
        product.pk for product in sample_catalog.products if category is None or product.category.slug == category
    }
    filters = ProductFilters(category_ids=(sample_catalog.categories[category].pk,) if category else None)

    for query in sample_embeddings.test:
        found = NumpyIndex().nearest_products(vector=query, model_version=version, limit=10, filters=filters)

        expected = brute_force(sample_embeddings.train, product_of, query, allowed, 10)
        assert len(found) == 10
        assert [pid for pid, _ in found] == [pid for pid, _ in expected]
        assert [s for _, s in found] == pytest.approx([s for _, s in expected], abs=1e-5)
