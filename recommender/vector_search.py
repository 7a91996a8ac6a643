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

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from pgvector.django import CosineDistance

from catalog.models import Product

from .models import ImageEmbedding


@dataclass(frozen=True)
class ProductFilters:
    """Which products may appear: all given conditions hold (``None`` = no condition)."""

    category_ids: tuple[int, ...] | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    exclude_product_ids: tuple[int, ...] = ()

    def apply(self, queryset, prefix: str = ""):  # type: ignore[no-untyped-def]
        conditions: dict[str, object] = {f"{prefix}is_active": True}
        if self.category_ids is not None:
            conditions[f"{prefix}category_id__in"] = self.category_ids
        if self.min_price is not None:
            conditions[f"{prefix}price__gte"] = self.min_price
        if self.max_price is not None:
            conditions[f"{prefix}price__lte"] = self.max_price
        queryset = queryset.filter(**conditions)
        if self.exclude_product_ids:
            key = f"{prefix}pk__in" if prefix else "pk__in"
            queryset = queryset.exclude(**{key: self.exclude_product_ids})
        return queryset


def nearest_products(
    *,
    vector: np.ndarray,
    model_version: str,
    limit: int,
    filters: ProductFilters = ProductFilters(),
    min_similarity: float = -1.0,
) -> list[tuple[int, float]]:
    """The ``limit`` products whose images are most similar to ``vector``.

    ``vector``: float32 (512,), L2-normalised. Returns ``[(product_id, cosine_similarity)]``,
    similarity in [-1, 1] descending, one entry per product (its best image), only products
    passing ``filters`` and with similarity ≥ ``min_similarity``.
    """
    vector = np.asarray(vector, dtype=np.float32)
    if connection.vendor == "postgresql":
        return _nearest_pgvector(vector, model_version, limit, filters, min_similarity)
    return _nearest_numpy(vector, model_version, limit, filters, min_similarity)


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
    vector: np.ndarray, model_version: str, limit: int, filters: ProductFilters, min_similarity: float
) -> list[tuple[int, float]]:
    # Products usually have a few images: over-fetch image rows, then keep one per product.
    candidates = limit * 4
    queryset = filters.apply(ImageEmbedding.objects.filter(model_version=model_version), prefix="product__")
    queryset = (
        queryset.annotate(distance=CosineDistance("vector", vector))
        .order_by("distance")
        .values_list("product_id", "distance")[:candidates]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.ef_search = %s", [max(settings.HNSW_EF_SEARCH, candidates)])
        # pgvector ≥ 0.8: keep scanning the graph until enough rows pass the filters.
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        rows = [(pid, 1.0 - float(distance)) for pid, distance in queryset]
    rows.sort(key=lambda row: -row[1])  # relaxed order: re-sort the few rows returned
    return _dedupe(rows, limit, min_similarity)


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
        product_ids = np.empty(signature[0], dtype=np.int64)
        matrix = np.empty((signature[0], 512), dtype=np.float32)
        count = 0
        for count, (product_id, vector) in enumerate(rows.order_by("id").values_list("product_id", "vector").iterator(chunk_size=5000), 1):
            if count > len(product_ids):  # rows added since the count: grow
                product_ids = np.resize(product_ids, count * 2)
                matrix = np.resize(matrix, (count * 2, 512))
            product_ids[count - 1] = product_id
            matrix[count - 1] = vector
        product_ids, matrix = product_ids[:count], matrix[:count]
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
    if len(product_ids) == 0:
        return []
    similarities = matrix @ vector
    found: dict[int, float] = {}
    # Rank in growing windows; check the filters in the database for each window's products.
    window = max(limit * 8, 64)
    start = 0
    order = np.argsort(-similarities, kind="stable") if len(similarities) <= window else None
    while len(found) < limit and start < len(similarities):
        if order is None or len(order) < start + window:
            top = min(len(similarities), start + window * 4)
            partition = np.argpartition(-similarities, top - 1)[:top] if top < len(similarities) else np.arange(len(similarities))
            order = partition[np.argsort(-similarities[partition], kind="stable")]
        chunk = order[start : start + window]
        start += window
        chunk_pairs = [(int(product_ids[i]), float(similarities[i])) for i in chunk]
        ids = {pid for pid, _ in chunk_pairs if pid not in found}
        allowed = set(filters.apply(Product.objects.filter(pk__in=ids)).values_list("pk", flat=True))
        for product_id, similarity in chunk_pairs:
            if similarity < min_similarity:
                return list(found.items())[:limit]
            if product_id in allowed and product_id not in found:
                found[product_id] = similarity
                if len(found) == limit:
                    break
        window *= 2
    return list(found.items())[:limit]
