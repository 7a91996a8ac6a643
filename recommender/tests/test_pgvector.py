"""PostgreSQL + pgvector: the HNSW index exists, serves the search, and finds what the exact
NumPy search finds. Skipped on SQLite (run with DATABASE_URL=postgres://...)."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from pgvector.django import CosineDistance

from recommender.models import ImageEmbedding
from recommender.vector_search import NumpyIndex, ProductFilters

from .vectors import nearest_products

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

INDEX = "recommender_imageembedding_vector_hnsw"


def test_pgvector_supports_iterative_index_scans():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        (version,) = cursor.fetchone()

    assert tuple(int(part) for part in version.split(".")[:2]) >= (0, 8)


def test_hnsw_cosine_index_exists():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'recommender_imageembedding' AND indexname = %s", [INDEX]
        )
        rows = cursor.fetchall()

    assert len(rows) == 1
    definition = rows[0][0]
    assert "USING hnsw (vector vector_cosine_ops)" in definition
    assert "m='16'" in definition and "ef_construction='64'" in definition


def force_index_scans() -> None:
    """On a small table the planner rightly prefers an exact scan and sort; make it walk the
    HNSW index so the approximate path is what gets tested. Lasts until the test ends."""
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")


@pytest.mark.slow
def test_the_search_query_is_served_by_the_hnsw_index(sample_catalog, sample_embeddings):
    force_index_scans()
    queryset = (
        ProductFilters(category_ids=(sample_catalog.categories["sneaker"].pk,))
        .apply(ImageEmbedding.objects.filter(model_version=sample_embeddings.model_version), prefix="product__")
        .annotate(distance=CosineDistance("vector", sample_embeddings.test[0]))
        .order_by("distance")
        .values_list("product_id", "distance")[:48]
    )

    plan = queryset.explain()

    assert f"Index Scan using {INDEX}" in plan, plan


@pytest.mark.slow
@pytest.mark.parametrize("category", [None, "sneaker", "shirt"])
def test_pgvector_top_10_matches_exact_search(sample_catalog, sample_embeddings, category):
    force_index_scans()
    filters = ProductFilters(category_ids=(sample_catalog.categories[category].pk,) if category else None)
    overlaps = []

    for query in sample_embeddings.test:
        approximate = nearest_products(
            vector=query, model_version=sample_embeddings.model_version, limit=10, filters=filters
        )
        exact = NumpyIndex().nearest_products(
            vector=query, model_version=sample_embeddings.model_version, limit=10, filters=filters
        )

        assert len(approximate) == len(exact) == 10
        overlaps.append(len({pid for pid, _ in approximate} & {pid for pid, _ in exact}) / 10)
        # Where both found a product, they agree on its similarity.
        exact_similarity = dict(exact)
        for pid, similarity in approximate:
            if pid in exact_similarity:
                assert similarity == pytest.approx(exact_similarity[pid], abs=1e-5)

    assert min(overlaps) >= 0.9
    assert np.mean(overlaps) >= 0.97


def test_rows_rolled_back_around_the_query_do_not_hide_the_live_ones():
    """Dead index entries (rows deleted or rolled back, until VACUUM) crowd the HNSW graph around
    a popular point; the search still returns every live product there (a CI run once lost
    them all)."""
    from django.db import transaction

    from catalog.models import ProductImage
    from catalog.tests.factories import ProductFactory
    from recommender import embedder

    from .vectors import E0, embed, unit

    force_index_scans()
    version = embedder.model_version()
    ghost = ProductFactory.create()
    try:
        with transaction.atomic():  # a savepoint: its rows die when it rolls back
            images = ProductImage.objects.bulk_create(
                ProductImage(product=ghost, image=f"products/test/ghost-{n}.png", sha256="0" * 64, width=1, height=1)
                for n in range(3000)
            )
            ImageEmbedding.objects.bulk_create(
                ImageEmbedding(product_image=image, product=ghost, model_version=version, vector=E0) for image in images
            )
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    live = ProductFactory.create_batch(3)
    for i, product in enumerate(live):
        embed(product, unit(1.0, 0.01 * (i + 1)), version=version)

    found = nearest_products(vector=E0, model_version=version, limit=3)

    assert [pid for pid, _ in found] == [p.pk for p in live]
