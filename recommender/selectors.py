from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import QuerySet

from catalog.models import Category, Product, ProductImage
from catalog.selectors import products_by_ids

from . import embedder
from .models import CategoryClassifier
from .vector_search import ProductFilters, product_vector_mean, vector_index

SEARCH_SORTS = ("similarity", "newest", "price_asc", "price_desc")


@dataclass(frozen=True)
class SimilarProduct:
    product: Product
    similarity: float  # cosine similarity in [-1, 1]
    score: float | None = None  # match score in [0, 1] (see ``match_scale``); None before training

    @property
    def similarity_percent(self) -> int:
        """The match score as a percentage (the cosine similarity's until a scale is trained)."""
        value = self.score if self.score is not None else max(self.similarity, 0.0)
        return round(value * 100)


@dataclass(frozen=True)
class MatchScale:
    """Cosine similarity -> match score, calibrated on the catalog: the score of a similarity is the
    share of the catalog's similar-items lists (each product's ``SIMILAR_ITEMS_LIMIT`` nearest other
    products) that are less similar. 0.5 is a typical similar item; 0.9 better than nine in ten."""

    similarities: np.ndarray  #: float (101,), increasing: the 0th..100th percentiles

    def score(self, similarity: float) -> float:
        return float(np.interp(similarity, self.similarities, np.linspace(0.0, 1.0, len(self.similarities))))

    def similarity(self, score: float) -> float:
        """The cosine similarity that scores ``score`` (the inverse, for thresholds)."""
        return float(np.interp(score, np.linspace(0.0, 1.0, len(self.similarities)), self.similarities))


def match_scale(*, model_version: str | None = None) -> MatchScale | None:
    """The active classifier's match scale for the current model (``None`` until trained)."""
    classifier = category_classifier_active(model_version=model_version)
    levels = classifier.metrics.get("match_scale") if classifier is not None else None
    return MatchScale(np.asarray(levels, dtype=np.float64)) if levels else None


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
    return product_vector_mean(product_id=product.pk, model_version=model_version or embedder.model_version())


def _hydrate(pairs: list[tuple[int, float]]) -> list[SimilarProduct]:
    products = products_by_ids(ids=[pid for pid, _ in pairs])
    scale = match_scale() if pairs else None
    return [
        SimilarProduct(products[pid], sim, scale.score(sim) if scale is not None else None)
        for pid, sim in pairs
        if pid in products
    ]


def product_similar_list(
    *,
    product: Product,
    limit: int | None = None,
    same_category: bool = False,
    min_similarity: float | None = None,
    min_score: float | None = None,
) -> list[SimilarProduct]:
    """Up to ``limit`` (default ``SIMILAR_ITEMS_LIMIT``, 12) active products that look most like
    ``product``, most similar first: never the product itself, one entry per product, with
    cosine similarity ≥ ``min_similarity`` (default ``SIMILAR_ITEMS_MIN_SIMILARITY``) and, once a
    match scale is trained, a match score ≥ ``min_score`` (0-1, see ``MatchScale``).
    Empty while the product has no embedding yet.
    """
    version = embedder.model_version()
    if min_score is not None:
        scale = match_scale(model_version=version)
        if scale is not None:
            floor = scale.similarity(min_score)
            min_similarity = floor if min_similarity is None else max(min_similarity, floor)
    filters = ProductFilters(
        category_ids=(product.category_id,) if same_category else None,
        exclude_product_ids=(product.pk,),
    )
    pairs = vector_index().similar_products(
        product_id=product.pk,
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


def category_predictions(*, vector: np.ndarray) -> list[CategoryPrediction]:
    """Phase 1 of find-by-photo: every category's calibrated probability for an embedding
    (float32 (512,)), most probable first, from the active ``CategoryClassifier``'s softmax
    over ``logits / temperature``. Empty when no classifier is trained."""
    classifier = category_classifier_active()
    if classifier is None:
        return []
    probabilities = classifier.predict_proba(np.asarray(vector, dtype=np.float32)[None, :])[0]
    by_id = Category.objects.in_bulk(classifier.category_ids)
    order = np.argsort(-probabilities, kind="stable")
    return [
        CategoryPrediction(category=by_id[classifier.category_ids[i]], probability=float(probabilities[i]))
        for i in order
        if classifier.category_ids[i] in by_id
    ]


def category_predict(*, vector: np.ndarray) -> CategoryPrediction | None:
    """The most probable category of an embedding (float32 (512,)); ``None`` without a classifier."""
    predictions = category_predictions(vector=vector)
    return predictions[0] if predictions else None


def categories_to_search(predictions: list[CategoryPrediction]) -> list[CategoryPrediction]:
    """The categories find by photo searches: the top one when its probability is at least
    ``PHOTO_SEARCH_CONFIDENCE``; otherwise the most probable ones until together they reach
    ``PHOTO_SEARCH_COVERAGE``, at most ``PHOTO_SEARCH_MAX_CATEGORIES`` (an unsure answer
    searches "Ankle boot or Sneaker" rather than hiding one of them)."""
    if not predictions:
        return []
    if predictions[0].probability >= settings.PHOTO_SEARCH_CONFIDENCE:
        return predictions[:1]
    chosen, total = [], 0.0
    for prediction in predictions[: settings.PHOTO_SEARCH_MAX_CATEGORIES]:
        chosen.append(prediction)
        total += prediction.probability
        if total >= settings.PHOTO_SEARCH_COVERAGE:
            break
    return chosen


def search_by_vector(
    *,
    vector: np.ndarray,
    category: Category | None = None,
    categories: list[Category] | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    colour: str | None = None,
    sort: str = "similarity",
    limit: int | None = None,
    close_match_first: bool = False,
) -> list[SimilarProduct]:
    """Phase 2 of find-by-photo: the ``limit`` most similar active products (in ``category``, or
    in any of ``categories``; all categories when neither is given; within the price range; of
    ``colour``, a shop palette name, when given),
    then ordered by ``sort`` (similarity | newest | price_asc | price_desc).

    ``close_match_first``: a product of any category whose similarity is at least
    ``PHOTO_SEARCH_CLOSE_MATCH`` (the photo very likely shows that very product) comes first
    even outside the categories searched."""
    if category is not None:
        categories = [category]
    version = embedder.model_version()
    limit = limit or settings.SEARCH_RESULTS_DEFAULT_LIMIT
    price: dict[str, Any] = {"min_price": min_price, "max_price": max_price, "colour": colour}
    index = vector_index()
    pairs = index.nearest_products(
        vector=vector,
        model_version=version,
        limit=limit,
        filters=ProductFilters(category_ids=tuple(c.pk for c in categories) if categories else None, **price),
    )
    if close_match_first and categories:
        close = index.nearest_products(
            vector=vector,
            model_version=version,
            limit=1,
            filters=ProductFilters(**price),
            min_similarity=settings.PHOTO_SEARCH_CLOSE_MATCH,
        )
        if close and close[0][0] not in {pid for pid, _ in pairs[:1]}:
            pairs = [close[0], *[p for p in pairs if p[0] != close[0][0]]][:limit]
    return similar_products_sort(_hydrate(pairs), sort=sort)


def similar_products_sort(results: list[SimilarProduct], *, sort: str) -> list[SimilarProduct]:
    """``results`` in find by photo's ``sort`` order: ``similarity`` (as given), ``newest``,
    ``price_asc`` or ``price_desc`` (ties by id). Returns a new list."""
    if sort == "newest":
        return sorted(results, key=lambda r: (r.product.created_at, r.product.pk), reverse=True)
    if sort == "price_asc":
        return sorted(results, key=lambda r: (r.product.price, r.product.pk))
    if sort == "price_desc":
        return sorted(results, key=lambda r: (-r.product.price, r.product.pk))
    return list(results)


def product_images_pending(*, model_version: str | None = None) -> QuerySet[ProductImage]:
    """Images with no vector for ``model_version`` (default: the current model) and not failed."""
    model_version = model_version or embedder.model_version()
    return (
        ProductImage.objects.exclude(embedding_status=ProductImage.EmbeddingStatus.FAILED)
        .exclude(embeddings__model_version=model_version)
        .order_by("id")
    )
