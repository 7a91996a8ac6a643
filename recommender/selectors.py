from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import QuerySet, Subquery

from catalog.models import Category, Product, ProductImage
from catalog.selectors import products_by_ids

from . import embedder
from .models import CategoryClassifier, ImageEmbedding
from .vector_search import ProductFilters, nearest_products, product_vector_expression

SEARCH_SORTS = ("similarity", "newest", "price_asc", "price_desc")


@dataclass(frozen=True)
class SimilarProduct:
    product: Product
    similarity: float  # cosine similarity in [-1, 1]

    @property
    def similarity_percent(self) -> int:
        return round(max(self.similarity, 0.0) * 100)


@dataclass(frozen=True)
class CategoryPrediction:
    category: Category
    probability: float  # in [0, 1]

    @property
    def probability_percent(self) -> int:
        return round(self.probability * 100)


def product_embedding(*, product: Product, model_version: str | None = None) -> np.ndarray | None:
    """The product's visual embedding: the normalised mean of its images' vectors (float32
    (512,)), or ``None`` while none of its images is embedded yet."""
    version = model_version or embedder.model_version()
    # The mean does not depend on the order: no join with the images table.
    vectors = list(
        ImageEmbedding.objects.filter(product=product, model_version=version)
        .order_by()
        .values_list("vector", flat=True)
    )
    if not vectors:
        return None
    mean = np.mean(np.stack([np.asarray(v, dtype=np.float32) for v in vectors]), axis=0)
    norm = float(np.linalg.norm(mean))
    return (mean / norm).astype(np.float32) if norm > 0 else None


def _hydrate(pairs: list[tuple[int, float]]) -> list[SimilarProduct]:
    products = products_by_ids(ids=[pid for pid, _ in pairs])
    return [SimilarProduct(products[pid], sim) for pid, sim in pairs if pid in products]


def product_similar_list(
    *,
    product: Product,
    limit: int | None = None,
    same_category: bool = False,
    min_similarity: float | None = None,
) -> list[SimilarProduct]:
    """Up to ``limit`` (default ``SIMILAR_ITEMS_LIMIT``, 12) active products that look most like
    ``product``, most similar first: never the product itself, one entry per product, with
    cosine similarity ≥ ``min_similarity`` (default ``SIMILAR_ITEMS_MIN_SIMILARITY``).
    Empty while the product has no embedding yet.
    """
    version = embedder.model_version()
    vector: np.ndarray | Subquery | None
    if connection.vendor == "postgresql":
        # pgvector averages the product's vectors inside the search query: one round trip.
        vector = product_vector_expression(product_id=product.pk, model_version=version)
    else:
        vector = product_embedding(product=product, model_version=version)
        if vector is None:
            return []
    filters = ProductFilters(
        category_ids=(product.category_id,) if same_category else None,
        exclude_product_ids=(product.pk,),
    )
    pairs = nearest_products(
        vector=vector,
        model_version=version,
        limit=limit or settings.SIMILAR_ITEMS_LIMIT,
        filters=filters,
        min_similarity=settings.SIMILAR_ITEMS_MIN_SIMILARITY if min_similarity is None else min_similarity,
    )
    return _hydrate(pairs)


def category_classifier_active(*, model_version: str | None = None) -> CategoryClassifier | None:
    version = model_version or embedder.model_version()
    return (
        CategoryClassifier.objects.filter(model_version=version, is_active=True).order_by("-created_at", "-id").first()
    )


def category_predict(*, vector: np.ndarray) -> CategoryPrediction | None:
    """Phase 1 of find-by-photo: the most probable category of an embedding (float32 (512,)),
    from the active ``CategoryClassifier``'s softmax. ``None`` when no classifier is trained."""
    classifier = category_classifier_active()
    if classifier is None:
        return None
    logits = classifier.weight_matrix() @ np.asarray(vector, dtype=np.float32) + classifier.bias_vector()
    logits = logits - logits.max()
    probabilities = np.exp(logits) / np.exp(logits).sum()
    best = int(np.argmax(probabilities))
    category = Category.objects.filter(pk=classifier.category_ids[best]).first()
    if category is None:
        return None
    return CategoryPrediction(category=category, probability=float(probabilities[best]))


def search_by_vector(
    *,
    vector: np.ndarray,
    category: Category | None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    sort: str = "similarity",
    limit: int | None = None,
) -> list[SimilarProduct]:
    """Phase 2 of find-by-photo: the ``limit`` most similar active products (in ``category``
    unless ``None``, within the price range), then ordered by ``sort`` (similarity | newest
    | price_asc | price_desc)."""
    pairs = nearest_products(
        vector=vector,
        model_version=embedder.model_version(),
        limit=limit or settings.SEARCH_RESULTS_DEFAULT_LIMIT,
        filters=ProductFilters(
            category_ids=(category.pk,) if category is not None else None,
            min_price=min_price,
            max_price=max_price,
        ),
    )
    results = _hydrate(pairs)
    if sort == "newest":
        results.sort(key=lambda r: (r.product.created_at, r.product.pk), reverse=True)
    elif sort == "price_asc":
        results.sort(key=lambda r: (r.product.price, r.product.pk))
    elif sort == "price_desc":
        results.sort(key=lambda r: (-r.product.price, r.product.pk))
    return results


def product_images_pending(*, model_version: str | None = None) -> QuerySet[ProductImage]:
    """Images with no vector for ``model_version`` (default: the current model) and not failed."""
    model_version = model_version or embedder.model_version()
    return (
        ProductImage.objects.exclude(embedding_status=ProductImage.EmbeddingStatus.FAILED)
        .exclude(embeddings__model_version=model_version)
        .order_by("id")
    )
