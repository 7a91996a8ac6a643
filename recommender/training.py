"""Training data and fitting for phase 1 of find by photo (the category classifier).

The classifier must be right on photos as shoppers take them, not only on catalog photos.
Its training set is the catalog's own photos plus **customer-style views** of them: each
catalog photo's item is cut out (:func:`recommender.customer_photos.product_item`) and put
through the seeded variation families of :mod:`recommender.customer_photos` (colour,
background, placement, rotation, light, occlusion, quality, mirror; each with probability
0.5), then embedded exactly as a query photo is (:func:`recommender.embedder.embed_photos`).
Each view records which families made it, so an evaluation can hold a family out of training
(leave-one-family-out).

Probabilities are calibrated by **temperature scaling** (Guo et al., 2017): one scalar T that
minimises the negative log-likelihood of held-out products' views; the expected calibration
error (ECE, 15 equal-width confidence bins) is reported before and after.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

from . import customer_photos, embedder

__all__ = [
    "ViewSet",
    "views_embed",
    "expected_calibration_error",
    "fit_temperature",
    "softmax",
    "LinearClassifier",
    "linear_classifier_fit",
]

#: images embedded at once while making views (bounds memory: 64 photos of 320 px)
VIEW_CHUNK = 64


@dataclass
class ViewSet:
    """Embedded customer-style views of catalog photos."""

    vectors: np.ndarray  #: float32 (n, 512), L2-normalised
    labels: np.ndarray  #: int64 (n,), the product's category id
    products: np.ndarray  #: int64 (n,), the product id
    families: np.ndarray  #: bool (n, len(FAMILIES)), which variation families made each view

    def without(self, family: str) -> ViewSet:
        """The views made without ``family``."""
        keep = ~self.families[:, customer_photos_family(family)]
        return ViewSet(self.vectors[keep], self.labels[keep], self.products[keep], self.families[keep])

    def subset(self, product_ids: set[int]) -> ViewSet:
        keep = np.isin(self.products, list(product_ids))
        return ViewSet(self.vectors[keep], self.labels[keep], self.products[keep], self.families[keep])


def views_embed(
    *,
    photos: Sequence[Image.Image],
    labels: Sequence[int],
    products: Sequence[int],
    views_per_photo: int,
    seed: int = 0,
    batch_size: int = 32,
    progress: Callable[[int], object] | None = None,
    config: embedder.EmbedderConfig | None = None,
) -> ViewSet:
    """``views_per_photo`` customer-style views of each catalog photo, embedded like queries.

    ``photos``: the catalog photos (RGB, the item on a plain light backdrop); ``labels`` and
    ``products``: their category and product ids. Deterministic in ``seed``. ``progress``: an
    optional callable taking the number of views just embedded; ``config``: the embedder
    settings to use (default: the current ones).
    """
    rng = np.random.default_rng(seed)
    cfg = config or embedder.get_config()
    items = [customer_photos.product_item(photo) for photo in photos]
    jobs = [(i, int(rng.integers(2**31))) for _ in range(views_per_photo) for i in range(len(items))]
    vectors: list[np.ndarray] = []
    flags: list[list[bool]] = []
    windows = [jobs[start : start + VIEW_WINDOW] for start in range(0, len(jobs), VIEW_WINDOW)]

    def arguments(window: list[tuple[int, int]]) -> list[tuple[Image.Image, int, bool]]:
        return [(items[index], view_seed, cfg.isolate) for index, view_seed in window]

    with _view_pool(len(jobs)) as pool:
        # The pool makes the next window's views while this process embeds the current one.
        pending = pool.map(_view_make, arguments(windows[0]), chunksize=16) if pool and windows else None
        for k, window in enumerate(windows):
            if pool:
                assert pending is not None  # set before the loop whenever there is a pool
                made = list(pending)
                if k + 1 < len(windows):
                    pending = pool.map(_view_make, arguments(windows[k + 1]), chunksize=16)
            else:
                made = [_view_make(a) for a in arguments(window)]
            flags.extend([f in families for f in customer_photos.FAMILIES] for _, families in made)
            for chunk in range(0, len(made), VIEW_CHUNK):
                images = [image for image, _ in made[chunk : chunk + VIEW_CHUNK]]
                vectors.append(embedder.embed_images(images, batch_size=batch_size, config=cfg))
                if progress is not None:
                    progress(len(images))
    index = np.array([i for i, _ in jobs], dtype=np.int64)
    return ViewSet(
        vectors=np.concatenate(vectors) if vectors else np.zeros((0, embedder.EMBEDDING_DIM), np.float32),
        labels=np.asarray(labels, dtype=np.int64)[index],
        products=np.asarray(products, dtype=np.int64)[index],
        families=np.array(flags, dtype=np.bool_).reshape(len(jobs), len(customer_photos.FAMILIES)),
    )


#: views made by the worker processes at a time (bounds memory)
VIEW_WINDOW = 512


def _view_make(args: tuple[Image.Image, int, bool]) -> tuple[Image.Image, tuple[str, ...]]:
    """One customer-style view, isolated like a query when ``isolate`` (a worker process's job:
    pure NumPy/Pillow/scikit-image, no Django, no TensorFlow)."""
    from .isolation import detect_and_isolate

    item, view_seed, isolate = args
    view = customer_photos.product_view(
        item, families=customer_photos.mixed_families(np.random.default_rng(view_seed)), seed=view_seed
    )
    return (detect_and_isolate(view.image)[0] if isolate else view.image), view.families


@contextlib.contextmanager
def _view_pool(jobs: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of ``TRAINING_PROCESSES`` spawned processes making views while this one runs the
    CNN; ``None`` (work here) for small jobs, one process, or inside a daemonic process (a Celery
    prefork child may not have children)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from django.conf import settings

    workers = int(settings.TRAINING_PROCESSES or os.cpu_count() or 1)
    if jobs < 256 or workers < 2 or multiprocessing.current_process().daemon:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of float (n, k) logits."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def expected_calibration_error(probabilities: np.ndarray, correct: np.ndarray, *, bins: int = 15) -> float:
    """ECE: the mean |accuracy - confidence| over equal-width confidence bins, weighted by the
    share of answers in each. ``probabilities``: the top-1 confidence (n,); ``correct``: bool (n,)."""
    p = np.asarray(probabilities, dtype=np.float64)
    c = np.asarray(correct, dtype=np.float64)
    if len(p) == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            total += in_bin.mean() * abs(c[in_bin].mean() - p[in_bin].mean())
    return float(total)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature scaling: the T in [0.05, 20] minimising the NLL of ``softmax(logits / T)``
    for the class indices ``labels`` (int (n,))."""
    from scipy.optimize import minimize_scalar

    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels)

    def nll(log_t: float) -> float:
        z = logits / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(len(labels)), labels].mean())

    found = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return float(np.exp(found.x))


@dataclass
class LinearClassifier:
    """A multinomial logistic regression on raw embeddings: logits = x @ weights.T + bias."""

    classes: np.ndarray  #: int64 (k,), category ids
    weights: np.ndarray  #: float32 (k, 512)
    bias: np.ndarray  #: float32 (k,)
    temperature: float = 1.0

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        return np.asarray(vectors, dtype=np.float64) @ self.weights.T.astype(np.float64) + self.bias

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        return softmax(self.logits(vectors) / self.temperature)

    def class_index(self, labels: np.ndarray) -> np.ndarray:
        lookup = {int(c): i for i, c in enumerate(self.classes)}
        return np.array([lookup[int(y)] for y in labels], dtype=np.int64)


def linear_classifier_fit(
    vectors: np.ndarray, labels: np.ndarray, *, regularization: float, seed: int = 0
) -> LinearClassifier:
    """Standardised features into an L2 multinomial logistic regression (scikit-learn,
    ``C=regularization``), the scaler folded into the weights. ``vectors`` float32 (n, 512)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=regularization, max_iter=3000, random_state=seed))
    pipeline.fit(vectors, labels)
    scaler, model = pipeline[0], pipeline[-1]
    # (x - mean) / scale then W, b  ==  x then W / scale, b - W @ (mean / scale)
    weights = model.coef_ / scaler.scale_
    bias = model.intercept_ - model.coef_ @ (scaler.mean_ / scaler.scale_)
    return LinearClassifier(
        classes=np.asarray(model.classes_, dtype=np.int64),
        weights=weights.astype(np.float32),
        bias=bias.astype(np.float32),
    )


def projection_fit(
    catalog: np.ndarray,
    catalog_labels: np.ndarray,
    views: ViewSet,
    view_catalog_rows: np.ndarray,
    *,
    epochs: int = 15,
    temperature: float = 0.07,
    batch_size: int = 256,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Learn a linear projection of backbone embeddings that is invariant to how shoppers take
    photos: ``l2((x - mean) @ matrix)``, float32 mean (512,) and matrix (512, 512).

    Trained with Keras on CPU (Adam, ``epochs`` passes) on two losses at once:

    * **instance** (InfoNCE, ``temperature``): a customer-style view must land nearer its own
      catalog photo than the other catalog photos in the batch (views re-dyed by the ``colour``
      family are left out: a re-dyed product is another product);
    * **category**: a softmax layer on the projected vectors predicts the category (all views),
      so categories stay apart.

    ``catalog``: float32 (n, 512) backbone vectors of the catalog photos, ``catalog_labels``
    their category ids; ``views``: their customer-style views, ``view_catalog_rows`` the row in
    ``catalog`` each view was made from. Deterministic in ``seed`` (up to float rounding).
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    classes, y_catalog = np.unique(catalog_labels, return_inverse=True)
    lookup = {int(c): i for i, c in enumerate(classes)}
    y_views = np.array([lookup[int(c)] for c in views.labels], dtype=np.int32)
    colour = views.families[:, customer_photos_family("colour")]
    mean = np.concatenate([catalog, views.vectors]).mean(axis=0).astype(np.float32)
    # Every catalog photo is also its own view, so the clean look is learned too.
    x = np.concatenate([views.vectors, catalog]).astype(np.float32) - mean
    y = np.concatenate([y_views, y_catalog.astype(np.int32)])
    rows = np.concatenate([view_catalog_rows, np.arange(len(catalog))]).astype(np.int64)
    instance = np.concatenate([(~colour).astype(np.float32), np.ones(len(catalog), np.float32)])
    anchors = (catalog - mean).astype(np.float32)

    project_layer = keras.layers.Dense(catalog.shape[1], use_bias=False, kernel_initializer="identity")
    classify = keras.layers.Dense(len(classes))
    project_layer.build((None, catalog.shape[1]))
    classify.build((None, catalog.shape[1]))
    variables = project_layer.trainable_variables + classify.trainable_variables
    optimizer = keras.optimizers.Adam(1e-3)

    @tf.function(reduce_retracing=True, autograph=False)  # no Python control flow to convert
    def step(xb: Any, yb: Any, rb: Any, ib: Any, cb: Any) -> Any:
        with tf.GradientTape() as tape:
            z = tf.math.l2_normalize(project_layer(xb), axis=1)
            zc = tf.math.l2_normalize(project_layer(cb), axis=1)
            category = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(yb, classify(z), from_logits=True))
            nce = keras.losses.sparse_categorical_crossentropy(
                rb, tf.matmul(z, zc, transpose_b=True) / temperature, from_logits=True
            )
            loss = category + tf.reduce_sum(nce * ib) / tf.maximum(tf.reduce_sum(ib), 1.0)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables, strict=True))

    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(order) - batch_size + 1, batch_size):
            batch = order[start : start + batch_size]
            unique, inverse = np.unique(rows[batch], return_inverse=True)
            step(
                tf.constant(x[batch]),
                tf.constant(y[batch]),
                tf.constant(inverse.astype(np.int32)),
                tf.constant(instance[batch]),
                tf.constant(anchors[unique]),
            )
    matrix = np.asarray(project_layer.kernel.numpy(), dtype=np.float32)
    return mean, matrix


def customer_photos_family(name: str) -> int:
    """Column of ``ViewSet.families`` for a family name."""
    return customer_photos.FAMILIES.index(name)


def match_scale_fit(
    vectors: np.ndarray, products: np.ndarray, *, k: int, sample: int = 500, seed: int = 0
) -> list[float]:
    """The 0th..100th percentiles (101 floats, increasing) of the cosine similarities in the
    catalog's similar-items lists: for up to ``sample`` products, the ``k`` most similar images
    of other products. ``vectors`` float32 (n, 512) L2-normalised image vectors, ``products``
    (n,) their product ids."""
    rng = np.random.default_rng(seed)
    unique = np.unique(products)
    chosen = rng.choice(unique, size=min(sample, len(unique)), replace=False)
    sims = []
    for product in chosen:
        row = vectors[np.flatnonzero(products == product)[0]]
        s = vectors @ row
        s[products == product] = -np.inf
        sims.append(np.sort(s)[::-1][:k])
    values = np.concatenate(sims)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return []
    levels = np.percentile(values, np.arange(101))
    return [float(v) for v in np.maximum.accumulate(levels)]
