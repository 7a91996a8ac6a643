from __future__ import annotations

import base64
import io
import logging
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from PIL import Image

from catalog.exceptions import InvalidImage
from catalog.images import image_open_validated
from catalog.models import Category, ProductImage
from catalog.selectors import category_get
from catalog.services import product_image_colours_set

from . import embedder
from .exceptions import QueryExpired, RecommenderError, SearchUnavailable
from .isolation import Box, box_within, shopper_crop
from .models import CategoryClassifier, ImageEmbedding
from .selectors import (
    CategoryPrediction,
    SimilarProduct,
    categories_to_search,
    category_predictions,
    search_by_vector,
)
from .vector_search import ProductFilters, vector_index

if TYPE_CHECKING:
    from . import training

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

        def enqueue(image_id: int = image_id) -> None:
            product_image_embed_task.delay(image_id)

        transaction.on_commit(enqueue)


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
    # The item detection that isolates each photo for the embedding also names its colours.
    vectors, colours = embedder.embed_catalog_photos(decoded, batch_size=settings.EMBEDDING_BATCH_SIZE)
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
        product_image_colours_set(
            colours={pi.pk: [c.as_dict() for c in found] for pi, found in zip(todo, colours, strict=True)}
        )
        ProductImage.objects.filter(pk__in=[pi.pk for pi in todo]).update(
            embedding_status=Status.EMBEDDED, embedding_error=""
        )
    report.embedded.extend(pi.pk for pi in todo)
    return report


def product_images_colour(*, image_ids: list[int]) -> int:
    """Name the dominant colours of the given photos (the item's pixels, the shop palette:
    :func:`recommender.isolation.image_colours`) without embedding them again, and summarise them
    on their products; for catalogs embedded before colours were computed. A photo whose file is
    missing or unreadable is left as it is. Returns how many photos were analysed."""
    from .isolation import image_colours

    colours: dict[int, list[dict[str, str | float]]] = {}
    for product_image in ProductImage.objects.filter(pk__in=image_ids).order_by("id"):
        try:
            image = _load_stored_image(product_image)
        except (InvalidImage, OSError, ValueError) as exc:
            logger.warning("Cannot name the colours of image %s: %s", product_image.pk, exc)
            continue
        colours[product_image.pk] = [c.as_dict() for c in image_colours(image)]
    product_image_colours_set(colours=colours)
    return len(colours)


def product_image_duplicate_check(*, product_image: ProductImage, vector: np.ndarray, model_version: str) -> None:
    """Flag a seller's photo whose embedding is ≥ ``NEAR_DUPLICATE_MIN_SIMILARITY`` (cosine) to
    a photo of another active product: ``duplicate_of`` is that product (the most similar),
    ``duplicate_similarity`` the cosine similarity. ``vector``: float32 (512,), L2-normalised.
    Clears a previous flag when nothing is that close any more."""
    hits = vector_index().nearest_products(
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
    predicted: CategoryPrediction | None  # phase 1's most probable category; None without a classifier
    category: Category | None  # the one category searched; None for all categories or several
    results: list[SimilarProduct]  # phase 2, in the requested order
    #: the predicted categories searched together when phase 1 is unsure (one when it is sure;
    #: empty when the shopper chose a category or "all")
    searched: list[CategoryPrediction] = field(default_factory=list)
    query_id: str | None = None  # refines this search without the photo (``image_search_by_query``)
    box: Box | None = None  # the item found, normalised to the whole photo the shopper sent
    #: the product shown although it is outside the categories searched: it matches the photo so
    #: closely (``PHOTO_SEARCH_CLOSE_MATCH``) that the photo very likely shows it
    close_match: SimilarProduct | None = None


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
    """``slug`` -> its category; ``None`` for "all" or no choice. Raises ``CategoryNotFound``."""
    return category_get(slug=slug) if slug and slug != ALL_CATEGORIES else None


def query_image_open(*, file: IO[bytes], name: str | None) -> Image.Image:
    """A find-by-photo upload decoded with bounded memory (``image_open_validated``): RGB, at most
    ``PHOTO_SEARCH_DECODE_SIDE`` pixels on its longest side (a JPEG decoded at a reduced scale),
    a PNG or WebP at most ``PHOTO_SEARCH_MAX_PIXELS`` before decoding. Raises ``InvalidImage``."""
    return image_open_validated(
        file, name=name, max_side=settings.PHOTO_SEARCH_DECODE_SIDE, max_pixels=settings.PHOTO_SEARCH_MAX_PIXELS
    )


def image_search(
    *,
    file: IO[bytes],
    name: str | None,
    box: Box | None = None,
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    colour: str | None = None,
    sort: str = "similarity",
    limit: int | None = None,
) -> ImageSearchResult:
    """Find by photo. Validates the uploaded photo (never stored), crops it to the shopper's
    ``box`` (normalised to the photo, with some context around it: ``isolation.shopper_crop``;
    ``None``: the whole photo), embeds the crop and remembers the vector (``query_vector_remember``), then searches
    with it (``image_search_by_vector``).

    The result's ``box`` is the item found inside the crop, normalised to the whole photo;
    its ``query_id`` refines the search later without the photo (``image_search_by_query``).
    Raises ``InvalidImage`` for a bad upload, ``SearchUnavailable`` when no worker answers,
    ``CategoryNotFound`` for an unknown category slug.
    """

    # Refuse a bad upload or an unknown category before paying for the CNN.
    image = query_image_open(file=file, name=name)
    _category_chosen(category)
    crop, region = shopper_crop(image, box)
    query = query_image_embed(image=crop)
    found = box_within(query.box, region)
    query_id = query_vector_remember(vector=query.vector, box=found)
    result = image_search_by_vector(
        vector=query.vector,
        category=category,
        min_price=min_price,
        max_price=max_price,
        colour=colour,
        sort=sort,
        limit=limit,
    )
    result.query_id, result.box = query_id, found
    return result


def image_search_by_query(
    *,
    query_id: str,
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    colour: str | None = None,
    sort: str = "similarity",
    limit: int | None = None,
) -> ImageSearchResult:
    """Refine an earlier find-by-photo with other options, from its remembered vector (no photo,
    no CNN): the same answer as ``image_search``, with the same ``query_id`` and ``box``.
    Raises ``QueryExpired`` for an unknown or expired ``query_id``, ``CategoryNotFound``
    for an unknown category slug."""
    query = query_vector_recall(query_id=query_id)
    result = image_search_by_vector(
        vector=query.vector,
        category=category,
        min_price=min_price,
        max_price=max_price,
        colour=colour,
        sort=sort,
        limit=limit,
    )
    result.query_id, result.box = query_id, query.box
    return result


def image_search_by_vector(
    *,
    vector: np.ndarray,
    category: str | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    colour: str | None = None,
    sort: str = "similarity",
    limit: int | None = None,
) -> ImageSearchResult:
    """Phases 1 and 2 of find by photo for a query embedding (float32 (512,)): predicts its
    category (calibrated probabilities), then ranks similar products in ``category``: a
    category slug, ``"all"``, or ``None`` for the predicted category. When phase 1 is unsure,
    ``None`` searches the most probable categories together (``categories_to_search``), and a
    product that matches the photo very closely is shown first whatever its category (all
    categories when there is no classifier). ``colour`` (a shop palette name) keeps only products
    of that colour: "this, but in brown".
    Raises ``CategoryNotFound`` for an unknown category slug."""
    chosen = _category_chosen(category)
    predictions = category_predictions(vector=vector)
    predicted = predictions[0] if predictions else None
    price: dict[str, Any] = {
        "min_price": min_price,
        "max_price": max_price,
        "colour": colour,
        "sort": sort,
        "limit": limit,
    }
    if category:  # a slug, or "all" (chosen is None)
        results = search_by_vector(vector=vector, category=chosen, **price)
        return ImageSearchResult(predicted=predicted, category=chosen, results=results)
    searched = categories_to_search(predictions)
    results = search_by_vector(
        vector=vector, categories=[p.category for p in searched] or None, close_match_first=True, **price
    )
    inside = {p.category.pk for p in searched}
    outside = [r for r in results if inside and r.product.category_id not in inside]
    return ImageSearchResult(
        predicted=predicted,
        category=searched[0].category if len(searched) == 1 else None,
        results=results,
        searched=searched,
        close_match=outside[0] if outside else None,
    )


class NotEnoughTrainingData(RecommenderError):
    """The catalog has too few embedded images (or categories) to train a classifier."""


def _catalog_photos(product_ids: list[int]) -> dict[int, Image.Image]:
    """The first readable photo of each product (by position), decoded; products whose photos
    cannot be read are left out."""
    photos: dict[int, Image.Image] = {}
    for product_image in ProductImage.objects.filter(product_id__in=product_ids).order_by(
        "product_id", "position", "id"
    ):
        if product_image.product_id in photos:
            continue
        try:
            photos[product_image.product_id] = _load_stored_image(product_image).convert("RGB")
        except (InvalidImage, OSError, ValueError):
            continue
    return photos


def catalog_views_embed(
    *,
    category_of: dict[int, int],
    views_per_product: int,
    seed: int = 0,
    progress: Callable[[int], object] | None = None,
    config: embedder.EmbedderConfig | None = None,
) -> training.ViewSet:
    """``training.ViewSet``: ``views_per_product`` customer-style views of the first readable photo
    of each product in ``category_of`` (product id -> category id), embedded with ``config``
    (default: the current recipe). Products without a readable photo are left out."""
    from . import training

    photos = _catalog_photos(sorted(category_of))
    ids = sorted(photos)
    return training.views_embed(
        photos=[photos[pid] for pid in ids],
        labels=[category_of[pid] for pid in ids],
        products=ids,
        views_per_photo=views_per_product,
        seed=seed,
        batch_size=settings.EMBEDDING_BATCH_SIZE,
        progress=progress,
        config=config,
    )


def category_classifier_train(
    *,
    test_fraction: float = 0.2,
    seed: int = 0,
    regularization: float | None = None,
    views_per_product: int | None = None,
    views: training.ViewSet | None = None,
    progress: Callable[[int], object] | None = None,
) -> CategoryClassifier:
    """Train the find-by-photo category classifier on the catalog, for photos as shoppers take them.

    Training set: the current model's vectors of the catalog photos of the *train* products, plus
    ``views_per_product`` (default ``CLASSIFIER_VIEWS_PER_PRODUCT``) customer-style views of each
    (``recommender.training.views_embed``: cut out, re-dyed, placed on other backgrounds, rotated,
    lit, occluded, degraded, mirrored; embedded like query photos). A stratified
    ``test_fraction`` of *products* is held out: half of it calibrates the probabilities
    (temperature scaling on their views), the other half measures them. Multinomial logistic
    regression on standardised vectors (scikit-learn, L2, ``C=regularization``, default
    ``CLASSIFIER_REGULARIZATION``), the scaler folded into the stored weights.

    Stored: ``held_out_accuracy`` (held-out catalog photos), ``temperature`` and ``metrics``
    (held-out customer-style views: accuracy, expected calibration error before and after
    calibration, share wrong at >= 90 % confidence). The new classifier replaces the active one
    for this model version. Raises ``NotEnoughTrainingData`` with fewer than 2 categories or
    5 embedded products per category.
    """
    from sklearn.model_selection import train_test_split

    from . import training

    regularization = settings.CLASSIFIER_REGULARIZATION if regularization is None else regularization
    views_per_product = settings.CLASSIFIER_VIEWS_PER_PRODUCT if views_per_product is None else views_per_product
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
    stratify = [labels_by_product[pid] for pid in products]
    train_products, held_products = train_test_split(
        products, test_size=test_fraction, random_state=seed, stratify=stratify
    )
    held_stratify = [labels_by_product[pid] for pid in held_products]
    try:
        calibration_products, test_products = train_test_split(
            held_products, test_size=0.5, random_state=seed, stratify=held_stratify
        )
    except ValueError:  # too few held-out products per category to stratify
        calibration_products, test_products = train_test_split(held_products, test_size=0.5, random_state=seed)
    train_set, test_set = set(train_products), set(test_products)
    X_train = np.stack([np.asarray(v, np.float32) for pid, _, v in rows if pid in train_set])
    y_train = np.array([cid for pid, cid, _ in rows if pid in train_set])
    X_test = np.stack([np.asarray(v, np.float32) for pid, _, v in rows if pid in test_set])
    y_test = np.array([cid for pid, cid, _ in rows if pid in test_set])

    if views is None and views_per_product > 0:
        views = catalog_views_embed(
            category_of={pid: labels_by_product[pid] for pid in products},
            views_per_product=views_per_product,
            seed=seed,
            progress=progress,
        )
    if views is not None:
        train_views = views.subset(train_set)
        X_fit = np.concatenate([X_train, train_views.vectors])
        y_fit = np.concatenate([y_train, train_views.labels])
    else:
        X_fit, y_fit = X_train, y_train
    model = training.linear_classifier_fit(X_fit, y_fit, regularization=regularization, seed=seed)
    accuracy = float((model.classes[np.argmax(model.logits(X_test), axis=1)] == y_test).mean())
    all_vectors = np.stack([np.asarray(v, np.float32) for _, _, v in rows])
    metrics: dict[str, object] = {
        "match_scale": training.match_scale_fit(
            all_vectors, np.array([pid for pid, _, _ in rows]), k=settings.SIMILAR_ITEMS_LIMIT, seed=seed
        ),
        "catalog_vectors": len(rows),
        "train_products": len(train_set),
        "views_per_product": views_per_product,
        "train_examples": len(y_fit),
        "held_out_catalog_accuracy": round(accuracy, 4),
    }
    if views is not None:
        calibration, test = views.subset(set(calibration_products)), views.subset(test_set)
        if len(calibration.labels) and len(test.labels):
            model.temperature = training.fit_temperature(
                model.logits(calibration.vectors), model.class_index(calibration.labels)
            )
            raw = training.softmax(model.logits(test.vectors))
            calibrated = model.predict_proba(test.vectors)
            correct = model.classes[np.argmax(calibrated, axis=1)] == test.labels
            metrics.update(
                {
                    "held_out_views": len(test.labels),
                    "held_out_views_accuracy": round(float(correct.mean()), 4),
                    "ece_before": round(training.expected_calibration_error(raw.max(axis=1), correct), 4),
                    "ece": round(training.expected_calibration_error(calibrated.max(axis=1), correct), 4),
                    "wrong_at_90": round(float(((calibrated.max(axis=1) >= 0.9) & ~correct).mean()), 4),
                }
            )
    CategoryClassifier.objects.filter(model_version=version, is_active=True).update(is_active=False)
    classifier = CategoryClassifier(
        model_version=version,
        category_ids=[int(c) for c in model.classes],
        weights=model.weights.astype("<f4").tobytes(),
        bias=model.bias.astype("<f4").tobytes(),
        n_features=model.weights.shape[1],
        train_size=len(y_fit),
        test_size=len(y_test),
        held_out_accuracy=accuracy,
        temperature=model.temperature,
        metrics=metrics,
    )
    classifier.full_clean()
    classifier.save()
    return classifier


@dataclass
class TrainReport:
    backbone_version: str
    model_version: str
    backbone_embedded: int  #: catalog photos embedded with the backbone for training
    projected: int  #: catalog vectors stored under the new model version
    views: int
    classifier: CategoryClassifier


def _backbone_vectors(*, image_rows: list[tuple[int, int]], config: embedder.EmbedderConfig) -> dict[int, np.ndarray]:
    """Backbone (unprojected) vectors of the given (image id, product id) rows: read when stored,
    else embedded now and stored under the backbone's model version for the next training."""
    version = embedder.model_version(config)
    stored = dict(
        ImageEmbedding.objects.filter(
            product_image_id__in=[i for i, _ in image_rows], model_version=version
        ).values_list("product_image_id", "vector")
    )
    missing = [(i, p) for i, p in image_rows if i not in stored]
    images = ProductImage.objects.in_bulk([i for i, _ in missing])
    for start in range(0, len(missing), 64):
        chunk, decoded = [], []
        for image_id, product_id in missing[start : start + 64]:
            try:
                decoded.append(_load_stored_image(images[image_id]))
            except (InvalidImage, OSError, ValueError, KeyError):
                continue
            chunk.append((image_id, product_id))
        if not chunk:
            continue
        vectors, _ = embedder.embed_photos(decoded, batch_size=settings.EMBEDDING_BATCH_SIZE, config=config)
        ImageEmbedding.objects.bulk_create(
            [
                ImageEmbedding(product_image_id=i, product_id=p, model_version=version, vector=v)
                for (i, p), v in zip(chunk, vectors, strict=True)
            ],
            ignore_conflicts=True,
        )
        stored.update({i: v for (i, _), v in zip(chunk, vectors, strict=True)})
    return {i: np.asarray(v, dtype=np.float32) for i, v in stored.items()}


def recommender_train(
    *,
    views_per_product: int | None = None,
    seed: int = 0,
    epochs: int = 15,
    progress: Callable[[int], object] | None = None,
) -> TrainReport:
    """Train what find by photo learns from the catalog, in one go (``manage.py train_recommender``):

    1. the backbone vectors (VGG16, isolation, no projection) of every active product's photos,
       embedded where missing;
    2. ``views_per_product`` customer-style views of each product's first photo
       (``training.views_embed``), embedded with the backbone;
    3. the invariance projection (``training.projection_fit``), written atomically to
       ``EMBEDDING_PROJECTION``: the model version changes with it;
    4. every catalog vector projected into the new model version (no CNN: the stored backbone
       vectors are projected), images marked embedded;
    5. the category classifier on the projected catalog and views (``category_classifier_train``).

    Every web process and worker reads the new projection file on its next embedding (its
    digest is in the model version). Raises ``NotEnoughTrainingData`` like the classifier.
    """
    from . import training

    views_per_product = settings.CLASSIFIER_VIEWS_PER_PRODUCT if views_per_product is None else views_per_product
    path = settings.EMBEDDING_PROJECTION
    if not path:
        raise RecommenderError("EMBEDDING_PROJECTION is not set: there is nowhere to write the projection.")
    backbone = embedder.backbone_config()
    rows = list(
        ProductImage.objects.filter(product__is_active=True)
        .exclude(embedding_status=Status.FAILED)
        .order_by("product_id", "position", "id")
        .values_list("pk", "product_id", "product__category_id")
    )
    before = ImageEmbedding.objects.filter(model_version=embedder.model_version(backbone)).count()
    vectors = _backbone_vectors(image_rows=[(i, p) for i, p, _ in rows], config=backbone)
    embedded = ImageEmbedding.objects.filter(model_version=embedder.model_version(backbone)).count() - before
    first_image: dict[int, int] = {}
    for image_id, product_id, _ in rows:
        if image_id in vectors:
            first_image.setdefault(product_id, image_id)
    category_of = {p: c for _, p, c in rows}
    products = sorted(first_image)
    if len({category_of[p] for p in products}) < 2:
        raise NotEnoughTrainingData("Training needs embedded products in at least 2 categories.")
    views = None
    if views_per_product > 0:
        views = catalog_views_embed(
            category_of={p: category_of[p] for p in products},
            views_per_product=views_per_product,
            seed=seed,
            progress=progress,
            config=backbone,
        )
        products = sorted(set(views.products.tolist()))
        row_of = {p: n for n, p in enumerate(products)}
        catalog = np.stack([vectors[first_image[p]] for p in products])
        mean, matrix = training.projection_fit(
            catalog,
            np.array([category_of[p] for p in products]),
            views,
            np.array([row_of[int(p)] for p in views.products]),
            epochs=epochs,
            seed=seed,
        )
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp.npz")
        embedder.save_projection(tmp, mean, matrix)
        os.replace(tmp, target)
    version = embedder.model_version()
    ids = sorted(vectors)
    projected = embedder.project(np.stack([vectors[i] for i in ids])) if ids else np.zeros((0, 512), np.float32)
    product_of = {i: p for i, p, _ in rows}
    with transaction.atomic():
        ImageEmbedding.objects.bulk_create(
            [
                ImageEmbedding(product_image_id=i, product_id=product_of[i], model_version=version, vector=v)
                for i, v in zip(ids, projected, strict=True)
            ],
            ignore_conflicts=True,
        )
        ProductImage.objects.filter(pk__in=ids).update(embedding_status=Status.EMBEDDED, embedding_error="")
        # Vectors of earlier projections are never searched again.
        ImageEmbedding.objects.filter(model_version__startswith=f"{embedder.model_version(backbone)}+proj").exclude(
            model_version=version
        ).delete()
    if views is not None:
        views.vectors = embedder.project(views.vectors)
    classifier = category_classifier_train(seed=seed, views_per_product=views_per_product, views=views)
    return TrainReport(
        backbone_version=embedder.model_version(backbone),
        model_version=version,
        backbone_embedded=embedded,
        projected=len(ids),
        views=0 if views is None else len(views.labels),
        classifier=classifier,
    )
