from __future__ import annotations

import base64
import io
import logging
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from PIL import Image

from catalog.exceptions import InvalidImage
from catalog.images import image_open_validated
from catalog.models import Category, ProductImage

from . import embedder
from .exceptions import QueryExpired, RecommenderError, SearchUnavailable
from .isolation import Box, crop_to_box
from .models import CategoryClassifier, ImageEmbedding
from .selectors import CategoryPrediction, SimilarProduct, category_predict, search_by_vector
from .vector_search import ProductFilters, nearest_products

logger = logging.getLogger(__name__)
Status = ProductImage.EmbeddingStatus


@dataclass
class EmbedReport:
    embedded: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # already had a vector for this model version
    failed: dict[int, str] = field(default_factory=dict)


def product_image_embed_enqueue(*, image_ids: list[int]) -> None:
    """Enqueue ``product_image_embed_task`` for each image once the current transaction commits."""
    from .tasks import product_image_embed_task

    for image_id in image_ids:
        transaction.on_commit(lambda image_id=image_id: product_image_embed_task.delay(image_id))


def _load_stored_image(product_image: ProductImage) -> Image.Image:
    with product_image.image.open("rb") as handle:
        return image_open_validated(handle, name=product_image.image.name)


def product_images_embed(*, image_ids: list[int]) -> EmbedReport:
    """Embed the given product images with the current model, in batches; idempotent.

    Images that already have a vector for the current model version are skipped (and
    marked embedded). An image whose stored file is missing or cannot be decoded is marked
    ``failed`` with the reason; the others go on. Other errors (database, model) propagate
    so the caller (a Celery task) can retry.
    """
    report = EmbedReport()
    version = embedder.model_version()
    images = list(ProductImage.objects.filter(pk__in=image_ids).select_related("product").order_by("id"))
    done = set(
        ImageEmbedding.objects.filter(product_image__in=images, model_version=version).values_list(
            "product_image_id", flat=True
        )
    )
    todo: list[ProductImage] = []
    decoded: list[Image.Image] = []
    for product_image in images:
        if product_image.pk in done:
            report.skipped.append(product_image.pk)
            continue
        try:
            decoded.append(_load_stored_image(product_image))
        except (InvalidImage, OSError, ValueError) as exc:
            reason = str(exc) if isinstance(exc, InvalidImage) else f"Cannot read the stored file: {exc}"
            product_image_embedding_fail(image_id=product_image.pk, reason=reason)
            report.failed[product_image.pk] = reason
            continue
        todo.append(product_image)
    if report.skipped:
        ProductImage.objects.filter(pk__in=report.skipped).exclude(embedding_status=Status.EMBEDDED).update(
            embedding_status=Status.EMBEDDED, embedding_error=""
        )
    if not todo:
        return report
    vectors, _ = embedder.embed_photos(decoded, batch_size=settings.EMBEDDING_BATCH_SIZE)
    with transaction.atomic():
        # The unique constraint (image, version) makes a concurrent duplicate a no-op.
        ImageEmbedding.objects.bulk_create(
            [
                ImageEmbedding(product_image=pi, product_id=pi.product_id, model_version=version, vector=vec)
                for pi, vec in zip(todo, vectors, strict=True)
            ],
            ignore_conflicts=True,
        )
        # Sellers' photos are checked for near-duplicates before they show as indexed, so the
        # dashboard never shows "indexed" without the warning that goes with it.
        for pi, vec in zip(todo, vectors, strict=True):
            if pi.product.seller_id is not None:
                product_image_duplicate_check(product_image=pi, vector=vec, model_version=version)
        ProductImage.objects.filter(pk__in=[pi.pk for pi in todo]).update(
            embedding_status=Status.EMBEDDED, embedding_error=""
        )
    report.embedded.extend(pi.pk for pi in todo)
    return report


def product_image_duplicate_check(*, product_image: ProductImage, vector: np.ndarray, model_version: str) -> None:
    """Flag a seller's photo whose embedding is ≥ ``NEAR_DUPLICATE_MIN_SIMILARITY`` (cosine) to
    a photo of another active product: ``duplicate_of`` is that product (the most similar),
    ``duplicate_similarity`` the cosine similarity. ``vector``: float32 (512,), L2-normalised.
    Clears a previous flag when nothing is that close any more."""
    hits = nearest_products(
        vector=vector,
        model_version=model_version,
        limit=1,
        filters=ProductFilters(exclude_product_ids=(product_image.product_id,)),
        min_similarity=settings.NEAR_DUPLICATE_MIN_SIMILARITY,
    )
    product_id, similarity = hits[0] if hits else (None, None)
    ProductImage.objects.filter(pk=product_image.pk).update(duplicate_of_id=product_id, duplicate_similarity=similarity)


def product_image_embedding_fail(*, image_id: int, reason: str) -> None:
    """Record that an image could not be embedded, and why (shown in admin)."""
    ProductImage.objects.filter(pk=image_id).exclude(embedding_status=Status.EMBEDDED).update(
        embedding_status=Status.FAILED, embedding_error=reason[:2000]
    )


@transaction.atomic
def product_image_embedding_retry(*, image_ids: list[int]) -> int:
    """Reset failed (or all given) images to pending and enqueue them again. Returns how many."""
    version = embedder.model_version()
    queryset = ProductImage.objects.filter(pk__in=image_ids).filter(
        Q(embedding_status=Status.FAILED) | ~Q(embeddings__model_version=version)
    )
    ids = sorted(set(queryset.values_list("pk", flat=True)))
    ProductImage.objects.filter(pk__in=ids).update(embedding_status=Status.PENDING, embedding_error="")
    product_image_embed_enqueue(image_ids=ids)
    return len(ids)


@transaction.atomic
def product_image_reembed(*, image_ids: list[int]) -> int:
    """Embed the given images again from scratch (e.g. after replacing a photo's file): their
    current model's vectors are deleted, they turn pending and are enqueued after commit.
    Returns how many images."""
    ids = sorted(set(ProductImage.objects.filter(pk__in=image_ids).values_list("pk", flat=True)))
    ImageEmbedding.objects.filter(product_image_id__in=ids, model_version=embedder.model_version()).delete()
    ProductImage.objects.filter(pk__in=ids).update(
        embedding_status=Status.PENDING, embedding_error="", duplicate_of=None, duplicate_similarity=None
    )
    product_image_embed_enqueue(image_ids=ids)
    return len(ids)


@dataclass(frozen=True)
class QueryEmbedding:
    vector: np.ndarray  #: float32 (512,), L2-normalised
    box: Box  #: the item found in the photo that was embedded, normalised to that photo


#: longest side (px) of the copy of a query photo sent to a worker: enough to find the item in it
QUERY_PHOTO_SIDE = 320


def query_image_embed(*, image: Image.Image) -> QueryEmbedding:
    """Embed a shopper's query photo with the catalog's recipe: the item is found, cropped and
    put on white (``recommender.isolation``), then embedded.

    With a broker the photo (downscaled to ``QUERY_PHOTO_SIDE`` px, PNG, never stored) goes to
    a worker on the ``search`` queue and the web process waits up to ``SEARCH_EMBED_TIMEOUT``
    seconds, so web processes never load the CNN; in the embedded default (eager Celery) it is
    embedded in-process. Raises ``SearchUnavailable`` when no worker answers in time.
    """
    thumbnail = image.convert("RGB")
    thumbnail.thumbnail((QUERY_PHOTO_SIDE, QUERY_PHOTO_SIDE), Image.Resampling.LANCZOS)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        vectors, boxes = embedder.embed_photos([thumbnail], batch_size=1)
        return QueryEmbedding(vector=vectors[0], box=boxes[0])
    from .tasks import query_image_embed_task

    buffer = io.BytesIO()
    thumbnail.save(buffer, format="PNG")
    payload = base64.b64encode(buffer.getvalue()).decode("ascii")
    result = query_image_embed_task.apply_async(args=[payload], expires=settings.SEARCH_EMBED_TIMEOUT)
    try:
        answer = result.get(timeout=settings.SEARCH_EMBED_TIMEOUT, propagate=True)
    except Exception as exc:  # celery.exceptions.TimeoutError and broker errors
        logger.warning("Query embedding failed: %r", exc)
        raise SearchUnavailable("Search by photo is busy right now; please try again in a moment.") from exc
    finally:
        result.forget()
    return QueryEmbedding(vector=np.asarray(answer["vector"], dtype=np.float32), box=Box(*answer["box"]))


def query_image_embed_payload(*, payload: str) -> dict:
    """Worker side of ``query_image_embed``: base64 PNG -> ``{"vector": 512 floats, "box":
    [x0, y0, x1, y1]}`` (the item found, normalised)."""
    image = Image.open(io.BytesIO(base64.b64decode(payload)))
    image.load()
    vectors, boxes = embedder.embed_photos([image.convert("RGB")], batch_size=1)
    return {"vector": vectors[0].tolist(), "box": list(boxes[0].as_tuple())}


@dataclass
class ImageSearchResult:
    predicted: CategoryPrediction | None  # phase 1; None when no classifier is trained
    category: Category | None  # the category searched in; None for all categories
    results: list[SimilarProduct]  # phase 2, in the requested order
    query_id: str | None = None  # refines this search without the photo (``image_search_by_query``)
    box: Box | None = None  # the item found, normalised to the whole photo the shopper sent


ALL_CATEGORIES = "all"


@dataclass(frozen=True)
class RememberedQuery:
    vector: np.ndarray  #: float32 (512,), L2-normalised
    box: Box  #: normalised to the whole photo


_QUERY_ID = re.compile(r"[0-9a-f]{32}")


def _query_cache_key(query_id: str) -> str:
    return f"recommender:search-query:{query_id}"


def query_vector_remember(*, vector: np.ndarray, box: Box) -> str:
    """Keep a query's embedding (float32 (512,); never the photo) and its item box in the cache
    for ``SEARCH_QUERY_TTL_SECONDS``, with the model version. Returns the query id: 32 hex
    characters (uuid4), opaque and unguessable. The production cache is Redis, so any web
    process can answer a refinement."""
    query_id = uuid.uuid4().hex
    value = {
        "model_version": embedder.model_version(),
        "vector": np.asarray(vector, dtype="<f4").tobytes(),
        "box": list(box.as_tuple()),
    }
    cache.set(_query_cache_key(query_id), value, timeout=settings.SEARCH_QUERY_TTL_SECONDS)
    return query_id


def query_vector_recall(*, query_id: str) -> RememberedQuery:
    """The query remembered under ``query_id``. Raises ``QueryExpired`` when there is none, or
    when it was embedded by another model version than the current one (its vector would not
    compare with the catalog's)."""
    value = cache.get(_query_cache_key(query_id)) if _QUERY_ID.fullmatch(query_id) else None
    if not value or value.get("model_version") != embedder.model_version():
        raise QueryExpired("This photo search has expired; please choose the photo again.")
    return RememberedQuery(vector=np.frombuffer(value["vector"], dtype="<f4").copy(), box=Box(*value["box"]))


def _category_chosen(slug: str | None) -> Category | None:
    """``slug`` -> its category; ``None`` for "all" or no choice. Raises ``Category.DoesNotExist``."""
    return Category.objects.get(slug=slug) if slug and slug != ALL_CATEGORIES else None


#: the crop around a shopper's box keeps this fraction of the box's side on each side
SEARCH_BOX_CONTEXT = 0.1


def _box_with_context(box: Box) -> Box:
    """``box`` grown by ``SEARCH_BOX_CONTEXT`` on each side (within the photo). Shoppers draw
    boxes tight to the item; the item finder models the background from the crop's outer frame,
    so a crop with no background around the item finds only part of it. Measured on
    two-product photos (``customer_photos.two_product_photo``, 4 trouser + ankle boot pairs of
    the test sample x 4 seeds, boxes exactly on the items): 10 of 32 items predicted in their
    own category with no margin, 21 with 0.05, 0.1 or 0.2."""
    mx, my = SEARCH_BOX_CONTEXT * (box.x1 - box.x0), SEARCH_BOX_CONTEXT * (box.y1 - box.y0)
    return Box(max(0.0, box.x0 - mx), max(0.0, box.y0 - my), min(1.0, box.x1 + mx), min(1.0, box.y1 + my))


def _box_in_photo(found: Box, *, within: Box | None) -> Box:
    """``found``, normalised to the crop ``within`` (normalised to the photo), normalised to the
    photo instead."""
    if within is None:
        return found
    w, h = within.x1 - within.x0, within.y1 - within.y0

    def clip(v: float) -> float:
        return round(min(max(v, 0.0), 1.0), 4)

    return Box(
        clip(within.x0 + found.x0 * w),
        clip(within.y0 + found.y0 * h),
        clip(within.x0 + found.x1 * w),
        clip(within.y0 + found.y1 * h),
    )


def image_search(
    *,
    file: IO[bytes],
    name: str | None,
    box: Box | None = None,
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    sort: str = "similarity",
    limit: int | None = None,
) -> ImageSearchResult:
    """Find by photo. Validates the uploaded photo (never stored), crops it to the shopper's
    ``box`` (normalised to the photo, plus a ``SEARCH_BOX_CONTEXT`` margin; ``None``: the whole
    photo), embeds the crop and remembers the vector (``query_vector_remember``), then searches
    with it (``image_search_by_vector``).

    The result's ``box`` is the item found inside the crop, normalised to the whole photo;
    its ``query_id`` refines the search later without the photo (``image_search_by_query``).
    Raises ``InvalidImage`` for a bad upload, ``SearchUnavailable`` when no worker answers,
    ``Category.DoesNotExist`` for an unknown category slug.
    """

    # Refuse a bad upload or an unknown category before paying for the CNN.
    image = image_open_validated(file, name=name)
    _category_chosen(category)
    crop = _box_with_context(box) if box is not None else None
    query = query_image_embed(image=crop_to_box(image, crop) if crop is not None else image)
    found = _box_in_photo(query.box, within=crop)
    query_id = query_vector_remember(vector=query.vector, box=found)
    result = image_search_by_vector(
        vector=query.vector, category=category, min_price=min_price, max_price=max_price, sort=sort, limit=limit
    )
    result.query_id, result.box = query_id, found
    return result


def image_search_by_query(
    *,
    query_id: str,
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    sort: str = "similarity",
    limit: int | None = None,
) -> ImageSearchResult:
    """Refine an earlier find-by-photo with other options, from its remembered vector (no photo,
    no CNN): the same answer as ``image_search``, with the same ``query_id`` and ``box``.
    Raises ``QueryExpired`` for an unknown or expired ``query_id``, ``Category.DoesNotExist``
    for an unknown category slug."""
    query = query_vector_recall(query_id=query_id)
    result = image_search_by_vector(
        vector=query.vector, category=category, min_price=min_price, max_price=max_price, sort=sort, limit=limit
    )
    result.query_id, result.box = query_id, query.box
    return result


def image_search_by_vector(
    *,
    vector: np.ndarray,
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    sort: str = "similarity",
    limit: int | None = None,
) -> ImageSearchResult:
    """Phases 1 and 2 of find by photo for a query embedding (float32 (512,)): predicts its
    category, then ranks similar products in ``category``: a category slug, ``"all"``, or
    ``None`` for the predicted category (all when there is no classifier).
    Raises ``Category.DoesNotExist`` for an unknown category slug."""
    chosen = _category_chosen(category)
    predicted = category_predict(vector=vector)
    if category:  # a slug, or "all" (chosen is None)
        searched = chosen
    else:
        searched = predicted.category if predicted is not None else None
    results = search_by_vector(
        vector=vector, category=searched, min_price=min_price, max_price=max_price, sort=sort, limit=limit
    )
    return ImageSearchResult(predicted=predicted, category=searched, results=results)


class NotEnoughTrainingData(RecommenderError):
    """The catalog has too few embedded images (or categories) to train a classifier."""


@transaction.atomic
def category_classifier_train(
    *, test_fraction: float = 0.2, seed: int = 0, regularization: float = 0.03
) -> CategoryClassifier:
    """Train the find-by-photo category classifier on the catalog's embeddings.

    Standardised features (``StandardScaler``) into a multinomial logistic regression
    (scikit-learn, L2, ``C=regularization``; 0.03 measured best on Fashion-MNIST) on the
    current model's image vectors labelled with their product's category. A stratified
    ``test_fraction`` of *products* is held out and the accuracy on it is stored. The scaler is
    folded into the stored weights (logits = W x + b on raw vectors). The new classifier
    replaces the active one for this model version.
    Raises ``NotEnoughTrainingData`` with fewer than 2 categories or 5 images per category.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    version = embedder.model_version()
    rows = list(
        ImageEmbedding.objects.filter(model_version=version, product__is_active=True)
        .order_by("id")
        .values_list("product_id", "product__category_id", "vector")
    )
    labels_by_product: dict[int, int] = {pid: cid for pid, cid, _ in rows}
    counts: dict[int, int] = {}
    for cid in labels_by_product.values():
        counts[cid] = counts.get(cid, 0) + 1
    category_ids = sorted(cid for cid, n in counts.items() if n >= 5)
    if len(category_ids) < 2:
        raise NotEnoughTrainingData(
            "Training needs at least 2 categories with 5 or more embedded products each; "
            f"found {len(category_ids)}. Import and embed products first."
        )
    products = sorted(pid for pid, cid in labels_by_product.items() if cid in category_ids)
    train_products, test_products = train_test_split(
        products,
        test_size=test_fraction,
        random_state=seed,
        stratify=[labels_by_product[pid] for pid in products],
    )
    train_set = set(train_products)
    test_set = set(test_products)
    X_train = np.stack([np.asarray(v, np.float32) for pid, _, v in rows if pid in train_set])
    y_train = np.array([cid for pid, cid, _ in rows if pid in train_set])
    X_test = np.stack([np.asarray(v, np.float32) for pid, _, v in rows if pid in test_set])
    y_test = np.array([cid for pid, cid, _ in rows if pid in test_set])
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=regularization, max_iter=2000, random_state=seed))
    pipeline.fit(X_train, y_train)
    accuracy = float((pipeline.predict(X_test) == y_test).mean())
    scaler, model = pipeline[0], pipeline[-1]
    # (x - mean) / scale then W, b  ==  x then W / scale, b - W @ (mean / scale)
    weights = model.coef_ / scaler.scale_
    bias = model.intercept_ - model.coef_ @ (scaler.mean_ / scaler.scale_)
    classes = [int(c) for c in model.classes_]
    CategoryClassifier.objects.filter(model_version=version, is_active=True).update(is_active=False)
    classifier = CategoryClassifier(
        model_version=version,
        category_ids=classes,
        weights=weights.astype("<f4").tobytes(),
        bias=bias.astype("<f4").tobytes(),
        n_features=weights.shape[1],
        train_size=len(y_train),
        test_size=len(y_test),
        held_out_accuracy=accuracy,
    )
    classifier.full_clean()
    classifier.save()
    return classifier
