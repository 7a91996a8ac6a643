"""Nearest-neighbour search over stored image embeddings, one result per product.

PostgreSQL: pgvector ``<=>`` (cosine distance) served by the HNSW index, with filters in SQL
(iterative index scans keep filtered queries complete). SQLite and other databases: exact
cosine similarity in NumPy over a per-process copy of the vectors, refreshed whenever the
table changes (the database stays the only source of truth).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar, cast

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Count, FloatField, Max, Model, QuerySet, Subquery, Value
from pgvector.django import CosineDistance

from catalog.models import Product

from .fields import EmbeddingField
from .models import EMBEDDING_DIMENSIONS, ImageEmbedding

_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class ProductFilters:
    """Which products may appear: all given conditions hold (``None`` = no condition)."""

    category_ids: tuple[int, ...] | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    exclude_product_ids: tuple[int, ...] = ()

    def apply(self, queryset: QuerySet[_M], prefix: str = "") -> QuerySet[_M]:
        conditions: dict[str, object] = {f"{prefix}is_active": True}
        if self.category_ids is not None:
            conditions[f"{prefix}category_id__in"] = self.category_ids
        if self.min_price is not None:
            conditions[f"{prefix}price__gte"] = self.min_price
        if self.max_price is not None:
            conditions[f"{prefix}price__lte"] = self.max_price
        queryset = queryset.filter(**conditions)
        if self.exclude_product_ids:
            queryset = queryset.exclude(**{f"{prefix}pk__in": self.exclude_product_ids})
        return queryset


def nearest_products(
    *,
    vector: np.ndarray | Subquery,
    model_version: str,
    limit: int,
    filters: ProductFilters = ProductFilters(),
    min_similarity: float = -1.0,
) -> list[tuple[int, float]]:
    """The ``limit`` products whose images are most similar to ``vector``.

    ``vector``: float32 (512,), L2-normalised; on PostgreSQL also a SQL expression giving a
    vector (see ``product_vector_expression``), and then ``[]`` when it is NULL.
    Returns ``[(product_id, cosine_similarity)]``, similarity in [-1, 1] descending, one
    entry per product (its best image), only products passing ``filters`` and with
    similarity ≥ ``min_similarity``.
    """
    if not hasattr(vector, "resolve_expression"):  # a SQL expression is searched as it is (PostgreSQL)
        vector = np.asarray(vector, dtype=np.float32)
    if connection.vendor == "postgresql":
        return _nearest_pgvector(vector, model_version, limit, filters, min_similarity)
    return _nearest_numpy(cast(np.ndarray, vector), model_version, limit, filters, min_similarity)  # no SQL off PG


def product_vector_expression(*, product_id: int, model_version: str) -> Subquery:
    """PostgreSQL: the mean of a product's image vectors as a scalar subquery (NULL while it
    has none), so a similar-items search needs no separate round trip for the query vector.
    Cosine distance ignores length, so the mean need not be normalised."""
    mean = (
        ImageEmbedding.objects.filter(product_id=product_id, model_version=model_version)
        .values("product_id")
        .annotate(mean=Avg("vector", output_field=EmbeddingField(dimensions=EMBEDDING_DIMENSIONS)))
        .values("mean")
    )
    return Subquery(mean, output_field=EmbeddingField(dimensions=EMBEDDING_DIMENSIONS))


def _dedupe(pairs: Iterable[tuple[int, float]], limit: int, min_similarity: float) -> list[tuple[int, float]]:
    best: dict[int, float] = {}
    for product_id, similarity in pairs:
        if similarity < min_similarity:
            break
        if product_id not in best:
            best[product_id] = similarity
            if len(best) == limit:
                break
    return list(best.items())


def _nearest_pgvector(
    vector: np.ndarray | Subquery, model_version: str, limit: int, filters: ProductFilters, min_similarity: float
) -> list[tuple[int, float]]:
    # Products usually have a few images: over-fetch image rows, then keep one per product;
    # widen the fetch when a product's many photos crowd the others out.
    rows_of = filters.apply(ImageEmbedding.objects.filter(model_version=model_version), prefix="product__")
    queryset = rows_of.annotate(distance=CosineDistance("vector", vector)).order_by("distance")
    candidates = limit * 4
    exact = False
    while True:
        query = queryset.values_list("product_id", "distance")[:candidates]
        if candidates <= settings.HNSW_EF_SEARCH:  # the connection's ef_search suffices
            pairs = list(query)
        else:
            with transaction.atomic(), connection.cursor() as cursor:
                # ef_search is at most 1000; iterative scans go on past it when rows are missing.
                cursor.execute("SET LOCAL hnsw.ef_search = %s", [min(candidates, 1000)])
                pairs = list(query)
        if pairs and pairs[0][1] is None:  # the query vector is NULL: nothing to compare with
            return []
        rows = [(pid, 1.0 - float(distance)) for pid, distance in pairs]
        rows.sort(key=lambda row: -row[1])  # relaxed order: re-sort the few rows returned
        found = _dedupe(rows, limit, min_similarity)
        exhausted = len(rows) < candidates or rows[-1][1] < min_similarity
        if len(found) < limit and len(rows) < candidates and not exact:
            # An approximate (HNSW) scan can come back short: dead index entries (rows deleted
            # or rolled back, until VACUUM) and filters cut what it reaches. Fewer rows than
            # asked for means the filtered set is small, so an exact scan of it is cheap and
            # complete: ordering by an expression the index cannot serve forces one.
            exact = True
            queryset = rows_of.annotate(
                distance=CosineDistance("vector", vector) + Value(0.0, output_field=FloatField())
            ).order_by("distance")
            continue
        if len(found) == limit or exhausted:
            return found
        candidates *= 4


class _VectorCache:
    """Per-process copy of one model version's vectors, for exact search in NumPy.

    Keyed by (row count, max id) of the table, so any insert or delete refreshes it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[tuple[int, int], np.ndarray, np.ndarray]] = {}

    def get(self, model_version: str) -> tuple[np.ndarray, np.ndarray]:
        rows = ImageEmbedding.objects.filter(model_version=model_version)
        stats = rows.aggregate(n=Count("id"), last=Max("id"))
        signature = (stats["n"], stats["last"] or 0)
        with self._lock:
            entry = self._entries.get(model_version)
            if entry is not None and entry[0] == signature:
                return entry[1], entry[2]
        pairs = list(rows.order_by("id").values_list("product_id", "vector").iterator(chunk_size=5000))
        product_ids = np.fromiter((pid for pid, _ in pairs), dtype=np.int64, count=len(pairs))
        matrix = (
            np.stack([vector for _, vector in pairs]).astype(np.float32, copy=False)
            if pairs
            else np.empty((0, EMBEDDING_DIMENSIONS), dtype=np.float32)
        )
        with self._lock:
            self._entries[model_version] = (signature, product_ids, matrix)
        return product_ids, matrix

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


vector_cache = _VectorCache()


def _nearest_numpy(
    vector: np.ndarray, model_version: str, limit: int, filters: ProductFilters, min_similarity: float
) -> list[tuple[int, float]]:
    product_ids, matrix = vector_cache.get(model_version)
    n = len(product_ids)
    similarities = matrix @ vector
    found: dict[int, float] = {}
    ranked = 0  # rows [0, ranked) of the similarity order have been looked at
    while len(found) < limit and ranked < n:
        # Rank a geometrically growing head of the order; check the filters in the database
        # for just that head's products.
        top = min(n, max(limit * 8, 64, ranked * 4))
        head = np.argpartition(-similarities, top - 1)[:top] if top < n else np.arange(n)
        order = head[np.argsort(-similarities[head], kind="stable")]
        chunk = [(int(product_ids[i]), float(similarities[i])) for i in order[ranked:top]]
        ranked = top
        candidates = {pid for pid, _ in chunk if pid not in found}
        allowed = set(filters.apply(Product.objects.filter(pk__in=candidates)).values_list("pk", flat=True))
        for product_id, similarity in chunk:
            if similarity < min_similarity:
                return list(found.items())
            if product_id in allowed and product_id not in found:
                found[product_id] = similarity
                if len(found) == limit:
                    break
    return list(found.items())
