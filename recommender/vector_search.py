"""Nearest-neighbour search over stored image embeddings, one result per product.

Two implementations of one ``VectorIndex`` interface; ``vector_index()`` picks one from the
database vendor, and is the only place search code asks which database it runs on:

- ``PgvectorIndex`` (PostgreSQL): pgvector ``<=>`` (cosine distance) served by the HNSW index,
  with filters in SQL (iterative index scans keep filtered queries complete).
- ``NumpyIndex`` (SQLite and other databases): exact cosine similarity in NumPy over a
  per-process copy of the vectors, refreshed whenever the table changes (the database stays
  the only source of truth).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Protocol, TypeVar, runtime_checkable

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Count, FloatField, Max, Model, QuerySet, Subquery, Value
from pgvector.django import CosineDistance

from catalog.models import Product, sellable_q

from .fields import EmbeddingField
from .models import EMBEDDING_DIMENSIONS, ImageEmbedding

_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class ProductFilters:
    """Which products may appear: all given conditions hold (``None`` = no condition)."""

    category_ids: tuple[int, ...] | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    colour: str | None = None  # a shop palette name (``Product.colour``)
    exclude_product_ids: tuple[int, ...] = ()

    def apply(self, queryset: QuerySet[_M], prefix: str = "") -> QuerySet[_M]:
        conditions: dict[str, object] = {f"{prefix}is_active": True}
        if self.category_ids is not None:
            conditions[f"{prefix}category_id__in"] = self.category_ids
        if self.min_price is not None:
            conditions[f"{prefix}price__gte"] = self.min_price
        if self.max_price is not None:
            conditions[f"{prefix}price__lte"] = self.max_price
        if self.colour is not None:
            conditions[f"{prefix}colour"] = self.colour
        queryset = queryset.filter(sellable_q(prefix), **conditions)
        if self.exclude_product_ids:
            queryset = queryset.exclude(**{f"{prefix}pk__in": self.exclude_product_ids})
        return queryset


@runtime_checkable
class VectorIndex(Protocol):
    """Search over the stored image embeddings of one model version, one result per product.

    Both operations return ``[(product_id, cosine_similarity)]``: similarity in [-1, 1]
    descending, one entry per product (its best image), at most ``limit`` entries, only active
    products passing ``filters`` and with similarity ≥ ``min_similarity``.
    """

    def nearest_products(
        self,
        *,
        vector: np.ndarray,
        model_version: str,
        limit: int,
        filters: ProductFilters = ProductFilters(),
        min_similarity: float = -1.0,
    ) -> list[tuple[int, float]]:
        """The products whose images are most similar to ``vector`` (float32 (512,),
        L2-normalised; other float dtypes are converted). Serves find by photo, the
        near-duplicate check (``limit=1`` with a high ``min_similarity``) and evaluation."""
        ...

    def similar_products(
        self,
        *,
        product_id: int,
        model_version: str,
        limit: int,
        filters: ProductFilters = ProductFilters(),
        min_similarity: float = -1.0,
    ) -> list[tuple[int, float]]:
        """The products whose images are most similar to the mean of product ``product_id``'s
        image vectors (similar items); ``[]`` while that product has no vector for
        ``model_version``. ``filters`` should exclude the product itself if it is unwanted."""
        ...


def vector_index() -> VectorIndex:
    """The index for the default database connection: ``PgvectorIndex`` on PostgreSQL,
    ``NumpyIndex`` elsewhere. Both are stateless (the NumPy cache is per process), so this is
    cheap to call per search."""
    if connection.vendor == "postgresql":
        return PgvectorIndex()
    return NumpyIndex()


def product_vector_mean(*, product_id: int, model_version: str) -> np.ndarray | None:
    """The normalised mean of a product's image vectors for ``model_version``: float32 (512,),
    L2-normalised; ``None`` while it has none (or they cancel out to the zero vector)."""
    # The mean does not depend on the order: no join with the images table.
    vectors = list(
        ImageEmbedding.objects.filter(product_id=product_id, model_version=model_version)
        .order_by()
        .values_list("vector", flat=True)
    )
    if not vectors:
        return None
    mean = np.mean(np.stack([np.asarray(v, dtype=np.float32) for v in vectors]), axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm).astype(np.float32) if norm > 0 else None


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


class PgvectorIndex:
    """PostgreSQL + pgvector: the ``vector(512)`` column searched with ``<=>`` (cosine
    distance, similarity = 1 - distance) through the HNSW index (``vector_cosine_ops``),
    filters applied in the same SQL query. Approximate; a short answer falls back to an exact
    scan of the filtered rows, so results are complete. Reads ``settings.HNSW_EF_SEARCH``
    (the connection's ``hnsw.ef_search``) and raises it per query, up to 1000, when it
    over-fetches more candidates than that."""

    def nearest_products(
        self,
        *,
        vector: np.ndarray,
        model_version: str,
        limit: int,
        filters: ProductFilters = ProductFilters(),
        min_similarity: float = -1.0,
    ) -> list[tuple[int, float]]:
        return self._search(np.asarray(vector, dtype=np.float32), model_version, limit, filters, min_similarity)

    def similar_products(
        self,
        *,
        product_id: int,
        model_version: str,
        limit: int,
        filters: ProductFilters = ProductFilters(),
        min_similarity: float = -1.0,
    ) -> list[tuple[int, float]]:
        # The product's mean vector is computed inside the search query: one round trip.
        vector = self.product_vector_expression(product_id=product_id, model_version=model_version)
        return self._search(vector, model_version, limit, filters, min_similarity)

    @staticmethod
    def product_vector_expression(*, product_id: int, model_version: str) -> Subquery:
        """The mean of a product's image vectors as a scalar subquery (NULL while it has none).
        Cosine distance ignores length, so the mean need not be normalised."""
        mean = (
            ImageEmbedding.objects.filter(product_id=product_id, model_version=model_version)
            .values("product_id")
            .annotate(mean=Avg("vector", output_field=EmbeddingField(dimensions=EMBEDDING_DIMENSIONS)))
            .values("mean")
        )
        return Subquery(mean, output_field=EmbeddingField(dimensions=EMBEDDING_DIMENSIONS))

    @staticmethod
    def _search(
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


@dataclass(frozen=True)
class _CacheEntry:
    count: int  # rows of the model version when loaded
    last_id: int  # their largest id (0: none)
    product_ids: np.ndarray  # int64 (n,)
    matrix: np.ndarray  # float32 (n, 512)


class _VectorCache:
    """Per-process copy of one model version's vectors, for exact search in NumPy.

    Each ``get`` compares the table's (row count, max id) with the copy's (one aggregate query).
    New rows only (the usual change: photos being embedded) are appended: one query for the rows
    with a larger id. A delete, or a row committed with a smaller id, changes the count in a way
    appends cannot explain, and the copy is loaded again in full. Loads are single-flight: one
    thread per model version queries while the others wait for its result, so a burst of
    requests after an insert costs one query, not one copy per thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the two dicts
        self._entries: dict[str, _CacheEntry] = {}
        self._loading: dict[str, threading.Lock] = {}

    def get(self, model_version: str) -> tuple[np.ndarray, np.ndarray]:
        """``(product_ids, matrix)``: int64 (n,) and float32 (n, 512), one row per stored image
        vector of ``model_version``, in id order."""
        signature = self._signature(model_version)
        with self._lock:
            entry = self._entries.get(model_version)
            load_lock = self._loading.setdefault(model_version, threading.Lock())
        if entry is not None and (entry.count, entry.last_id) == signature:
            return entry.product_ids, entry.matrix
        with load_lock:  # single flight: whoever holds it loads, the others then find its result
            with self._lock:
                entry = self._entries.get(model_version)
            if entry is not None and (entry.count, entry.last_id) == signature:
                return entry.product_ids, entry.matrix
            entry = self._refresh(model_version, entry, signature)
            with self._lock:
                self._entries[model_version] = entry
            return entry.product_ids, entry.matrix

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @staticmethod
    def _signature(model_version: str) -> tuple[int, int]:
        stats = ImageEmbedding.objects.filter(model_version=model_version).aggregate(n=Count("id"), last=Max("id"))
        return stats["n"], stats["last"] or 0

    def _refresh(self, model_version: str, entry: _CacheEntry | None, signature: tuple[int, int]) -> _CacheEntry:
        if entry is not None and signature[1] > entry.last_id:
            ids, product_ids, matrix = self._rows(model_version, after_id=entry.last_id)
            if entry.count + len(ids) == signature[0]:  # nothing deleted, nothing committed out of order
                return _CacheEntry(
                    count=signature[0],
                    last_id=int(ids[-1]),
                    product_ids=np.concatenate([entry.product_ids, product_ids]),
                    matrix=np.concatenate([entry.matrix, matrix]),
                )
        ids, product_ids, matrix = self._rows(model_version, after_id=0)
        return _CacheEntry(
            count=len(ids), last_id=int(ids[-1]) if len(ids) else 0, product_ids=product_ids, matrix=matrix
        )

    @staticmethod
    def _rows(model_version: str, *, after_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, product ids, vectors) of the rows with an id above ``after_id``, in id order."""
        rows = ImageEmbedding.objects.filter(model_version=model_version, id__gt=after_id).order_by("id")
        triples = list(rows.values_list("id", "product_id", "vector").iterator(chunk_size=5000))
        ids = np.fromiter((row_id for row_id, _, _ in triples), dtype=np.int64, count=len(triples))
        product_ids = np.fromiter((pid for _, pid, _ in triples), dtype=np.int64, count=len(triples))
        matrix = (
            np.stack([vector for _, _, vector in triples]).astype(np.float32, copy=False)
            if triples
            else np.empty((0, EMBEDDING_DIMENSIONS), dtype=np.float32)
        )
        return ids, product_ids, matrix


class NumpyIndex:
    """Exact search in NumPy (SQLite and other databases): cosine similarity as the dot product
    of the L2-normalised query vector (float32 (512,)) with every stored vector, from ``cache``,
    a per-process float32 (n, 512) matrix of the model version's image vectors (and their int64
    (n,) product ids), extended with new rows when the table's (row count, max id) changes
    (reloaded in full after a delete). Filters are
    checked in the database, for a geometrically growing head of the ranking only."""

    #: Shared by every instance: one copy of the vectors per process and model version.
    cache: ClassVar[_VectorCache] = _VectorCache()

    def nearest_products(
        self,
        *,
        vector: np.ndarray,
        model_version: str,
        limit: int,
        filters: ProductFilters = ProductFilters(),
        min_similarity: float = -1.0,
    ) -> list[tuple[int, float]]:
        return self._search(np.asarray(vector, dtype=np.float32), model_version, limit, filters, min_similarity)

    def similar_products(
        self,
        *,
        product_id: int,
        model_version: str,
        limit: int,
        filters: ProductFilters = ProductFilters(),
        min_similarity: float = -1.0,
    ) -> list[tuple[int, float]]:
        vector = product_vector_mean(product_id=product_id, model_version=model_version)
        if vector is None:
            return []
        return self._search(vector, model_version, limit, filters, min_similarity)

    def _search(
        self, vector: np.ndarray, model_version: str, limit: int, filters: ProductFilters, min_similarity: float
    ) -> list[tuple[int, float]]:
        product_ids, matrix = self.cache.get(model_version)
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
