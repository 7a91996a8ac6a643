"""Evaluation of find by photo on inputs as shoppers produce them (``manage.py evaluate_recommender``).

Query sets, all from Fashion-MNIST *test* images 0-8999 (9000-9999 are kept for independent
checks), balanced over the categories:

``clean``
    the catalog look: the grey item centred on white (as before this benchmark existed).
one set per variation family of :mod:`recommender.customer_photos`
    ``colour``, ``background``, ``placement``, ``rotation``, ``light``, ``occlusion``,
    ``quality``, ``mirror``: that family alone.
``mixed``
    each family with probability 0.5, at least two.

For each set: **accuracy** (phase 1's top category), **precision@10** (the share of the first
10 products that find by photo shows by default — the categories it searches, a close match
first — that are in the photo's category), **kNN precision@10** (the 10 nearest products over
all categories), **ECE** (expected calibration error, 15 bins) and the share of answers that are
**wrong at >= 90 % confidence**.

**Known product**: customer-style photos (every family but ``colour``: the product keeps its own
colour) of products that *are* in the catalog, rendered from their Fashion-MNIST train image and
colour; **recall@1** and **recall@10** of that exact product over all categories.

**Two products in one photo**: two test images side by side (:func:`two_product_photo`); the
shopper's box on each (the true box, each side jittered by up to 5 %), cropped with context as
find by photo does (``isolation.shopper_crop``); accuracy of each boxed item's category.

**Leave one family out**: the classifier is refitted on the catalog plus customer-style views
made *without* family F (``recommender.training``), then measured on set F; reported beside the
classifier trained on all families.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

import numpy as np
from django.conf import settings
from PIL import Image

from catalog import fashion_mnist as fm
from catalog.models import Category, Product

from . import customer_photos, embedder, training
from .isolation import Box, shopper_crop
from .models import CategoryClassifier, ImageEmbedding
from .selectors import CategoryPrediction, categories_to_search, search_by_vector
from .vector_search import vector_index

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_T = TypeVar("_T")

SETS: tuple[str, ...] = ("clean", *customer_photos.FAMILIES, "mixed")
#: reliability diagram / ECE bins
BINS = 15


@dataclass
class QuerySet:
    name: str
    photos: list[Image.Image]
    labels: np.ndarray  #: int (n,), Fashion-MNIST label
    indices: np.ndarray  #: int (n,), test image index


def query_indices(labels: np.ndarray, per_category: int, *, offset: int = 0) -> np.ndarray:
    """``per_category`` test images of each label among images 0-8999, after its first ``offset``
    (disjoint splits for tuning and reporting), sorted."""
    usable = labels[: customer_photos.TEST_INDEX_LIMIT]
    chosen = [np.flatnonzero(usable == label)[offset : offset + per_category] for label in range(len(fm.CATEGORIES))]
    return np.sort(np.concatenate(chosen))


def query_set(name: str, images: np.ndarray, labels: np.ndarray, indices: np.ndarray, *, seed: int) -> QuerySet:
    """The photos of set ``name`` (see the module docstring) for test images ``indices``."""
    photos = []
    for index in indices:
        if index >= customer_photos.TEST_INDEX_LIMIT:
            raise ValueError("test images 9000-9999 are reserved for independent checks")
        if name == "clean":
            photos.append(fm.to_product_photo(images[index]))
            continue
        photo_seed = seed * 1_000_003 + int(index) * 101 + SETS.index(name)
        if name == "mixed":
            families = customer_photos.mixed_families(np.random.default_rng(photo_seed))
        else:
            families = (name,)
        photos.append(customer_photos.customer_photo(images[index], families=families, seed=photo_seed).image)
    return QuerySet(name, photos, labels[indices].astype(np.int64), np.asarray(indices))


@dataclass
class Catalog:
    """What the evaluation needs to know about the catalog, read once."""

    version: str
    classifier: CategoryClassifier | None
    label_of_category: dict[int, int]  #: category id -> Fashion-MNIST label
    category_of_label: dict[int, Category]
    label_of_product: dict[int, int]
    size: int


def catalog_load() -> Catalog:
    from .selectors import category_classifier_active

    version = embedder.model_version()
    slug_to_label = {slug: label for label, (_, slug, _) in enumerate(fm.CATEGORIES)}
    categories = {c.pk: c for c in Category.objects.all()}
    label_of_category = {pk: slug_to_label[c.slug] for pk, c in categories.items() if c.slug in slug_to_label}
    return Catalog(
        version=version,
        classifier=category_classifier_active(model_version=version),
        label_of_category=label_of_category,
        category_of_label={label: categories[pk] for pk, label in label_of_category.items()},
        label_of_product={
            pid: label_of_category.get(cid, -1) for pid, cid in Product.objects.values_list("pk", "category_id")
        },
        size=ImageEmbedding.objects.filter(model_version=version, product__is_active=True).count(),
    )


def _predictions(catalog: Catalog, probabilities: np.ndarray) -> list[CategoryPrediction]:
    assert catalog.classifier is not None
    ids = catalog.classifier.category_ids
    order = np.argsort(-probabilities, kind="stable")
    by_id = {c.pk: c for c in catalog.category_of_label.values()}
    return [CategoryPrediction(by_id[ids[i]], float(probabilities[i])) for i in order if ids[i] in by_id]


@dataclass
class SetResult:
    name: str
    n: int
    accuracy: float | None
    precision_at_10: float
    knn_precision_at_10: float
    ece: float | None
    wrong_at_90: float | None
    mean_categories_searched: float
    confidences: list[float] = field(default_factory=list)
    correct: list[bool] = field(default_factory=list)
    predicted: list[int] = field(default_factory=list)
    truth: list[int] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "queries": self.n,
            "accuracy": _r(self.accuracy),
            "precision_at_10": _r(self.precision_at_10),
            "knn_precision_at_10": _r(self.knn_precision_at_10),
            "ece": _r(self.ece),
            "wrong_at_90": _r(self.wrong_at_90),
            "mean_categories_searched": _r(self.mean_categories_searched),
        }


def _r(value: float | np.floating[Any] | None) -> float | None:
    return None if value is None else round(float(value), 4)


def evaluate_vectors(name: str, vectors: np.ndarray, labels: np.ndarray, catalog: Catalog, *, k: int = 10) -> SetResult:
    """Phase 1 and phase 2 through the shop's own selectors, for embedded query photos."""
    classifier = catalog.classifier
    probabilities = classifier.predict_proba(vectors) if classifier is not None else None
    precision, knn_precision, searched_counts = [], [], []
    confidences, correct, predicted = [], [], []
    for n, (vector, label) in enumerate(zip(vectors, labels, strict=True)):
        categories: list[Category] = []
        if probabilities is not None:
            predictions = _predictions(catalog, probabilities[n])
            top = predictions[0]
            confidences.append(top.probability)
            top_label = catalog.label_of_category.get(top.category.pk, -1)
            predicted.append(top_label)
            correct.append(top_label == int(label))
            categories = [p.category for p in categories_to_search(predictions)]
        searched_counts.append(len(categories))
        shown = search_by_vector(vector=vector, categories=categories or None, limit=k, close_match_first=True)
        precision.append(sum(catalog.label_of_product.get(r.product.pk) == label for r in shown) / k)
        nearest = vector_index().nearest_products(vector=vector, model_version=catalog.version, limit=k)
        knn_precision.append(sum(catalog.label_of_product.get(pid) == label for pid, _ in nearest) / k)
    conf, corr = np.array(confidences), np.array(correct, dtype=bool)
    return SetResult(
        name=name,
        n=len(labels),
        accuracy=float(corr.mean()) if classifier is not None else None,
        precision_at_10=float(np.mean(precision)),
        knn_precision_at_10=float(np.mean(knn_precision)),
        ece=training.expected_calibration_error(conf, corr, bins=BINS) if classifier is not None else None,
        wrong_at_90=float(((conf >= 0.9) & ~corr).mean()) if classifier is not None else None,
        mean_categories_searched=float(np.mean(searched_counts)),
        confidences=conf.tolist(),
        correct=corr.tolist(),
        predicted=predicted,
        truth=[int(v) for v in labels],
    )


def embed(photos: list[Image.Image], *, config: embedder.EmbedderConfig | None = None) -> tuple[np.ndarray, list[Box]]:
    """Query photos -> (float32 (n, 512), the item box found in each), as find by photo embeds them
    (``config``: e.g. the backbone's, default the current recipe)."""
    return embedder.embed_photos(photos, batch_size=settings.EMBEDDING_BATCH_SIZE, config=config)


def known_product(catalog: Catalog, train_images: np.ndarray, *, n: int, seed: int) -> dict:
    """Recall@1 / recall@10 of the exact catalog product for customer-style photos of it."""
    skus = {
        pk: sku
        for pk, sku in Product.objects.filter(
            sku__startswith="FM-", is_active=True, embeddings__model_version=catalog.version
        )
        .distinct()
        .values_list("pk", "sku")
        if sku[3:].isdigit() and int(sku[3:]) < len(train_images)
    }
    if not skus:
        return {"queries": 0}
    rng = np.random.default_rng(seed)
    chosen = rng.choice(sorted(skus), size=min(n, len(skus)), replace=False)
    photos = []
    for j, pid in enumerate(chosen):
        index = int(skus[pid].split("-")[1])
        photo_seed = 77_000_000 + seed * 10_007 + j
        families = customer_photos.mixed_families(np.random.default_rng(photo_seed), exclude=("colour",))
        colour = fm.product_colour(index)[1]
        photos.append(
            customer_photos.customer_photo(train_images[index], families=families, seed=photo_seed, colour=colour).image
        )
    vectors, _ = embed(photos)
    ranks = []
    for pid, vector in zip(chosen, vectors, strict=True):
        hits = [p for p, _ in vector_index().nearest_products(vector=vector, model_version=catalog.version, limit=10)]
        ranks.append(hits.index(int(pid)) + 1 if int(pid) in hits else None)
    return {
        "queries": len(chosen),
        "recall_at_1": _r(np.mean([r == 1 for r in ranks])),
        "recall_at_10": _r(np.mean([r is not None for r in ranks])),
    }


def two_products(catalog: Catalog, images: np.ndarray, labels: np.ndarray, *, pairs: int, seed: int) -> dict:
    """Accuracy of each boxed item's category in photos of two products side by side."""
    if catalog.classifier is None:
        return {"photos": 0}
    usable = np.arange(min(len(images), customer_photos.TEST_INDEX_LIMIT))
    rng = np.random.default_rng(seed)
    crops, truth = [], []
    for p in range(pairs):
        first, second = rng.choice(usable, size=2, replace=False)
        while labels[second] == labels[first]:
            second = int(rng.choice(usable))
        photo, boxes = customer_photos.two_product_photo(images[first], images[second], seed=seed * 7919 + p)
        for index, box in ((first, boxes[0]), (second, boxes[1])):
            jitter = rng.uniform(-0.05, 0.05, 4) * np.array([box[2] - box[0], box[3] - box[1]] * 2)
            x0, y0, x1, y1 = np.clip(np.array(box) + jitter, 0, 1)
            # What find by photo embeds for that box: the box plus some context (shopper_crop).
            crops.append(shopper_crop(photo, Box(float(x0), float(y0), float(x1), float(y1)))[0])
            truth.append(int(labels[index]))
    vectors, _ = embed(crops)
    probabilities = catalog.classifier.predict_proba(vectors)
    ids = catalog.classifier.category_ids
    hits = [
        catalog.label_of_category.get(ids[int(np.argmax(p))]) == t for p, t in zip(probabilities, truth, strict=True)
    ]
    return {"photos": pairs, "boxes": len(truth), "accuracy": _r(np.mean(hits))}


def leave_one_family_out(
    catalog: Catalog,
    backbone_queries: dict[str, tuple[np.ndarray, np.ndarray]],
    *,
    views_per_product: int,
    seed: int,
    epochs: int = 15,
    progress: Callable[[int], None] | None = None,
) -> dict:
    """Accuracy on each family's set when that family is held out of *all* training: the
    customer-style views that train the invariance projection (when one is configured) and the
    classifier are made without it. Beside it, the same recipe trained on every family.

    ``backbone_queries``: per set, (backbone vectors float32 (n, 512), Fashion-MNIST labels)."""
    from .services import catalog_views_embed

    backbone = embedder.backbone_config()
    projected = embedder.get_config().projection is not None
    rows = list(
        ImageEmbedding.objects.filter(model_version=embedder.model_version(backbone), product__is_active=True)
        .order_by("product_id", "id")
        .values_list("product_id", "product__category_id", "vector")
    )
    X = np.stack([np.asarray(v, np.float32) for _, _, v in rows])
    y = np.array([cid for _, cid, _ in rows])
    views = catalog_views_embed(
        category_of={pid: cid for pid, cid, _ in rows},
        views_per_product=views_per_product,
        seed=seed + 1,
        progress=progress,
        config=backbone,
    )
    products = sorted(set(views.products.tolist()))
    first: dict[int, int] = {}
    for n, (pid, _, _) in enumerate(rows):
        first.setdefault(pid, n)
    catalog_rows = np.array([first[p] for p in products])
    row_of = {p: n for n, p in enumerate(products)}

    def fit(view_set: training.ViewSet) -> tuple[training.LinearClassifier, Callable[[np.ndarray], np.ndarray]]:
        if projected:
            mean, matrix = training.projection_fit(
                X[catalog_rows],
                y[catalog_rows],
                view_set,
                np.array([row_of[int(p)] for p in view_set.products]),
                epochs=epochs,
                seed=seed,
            )

            def project(v: np.ndarray) -> np.ndarray:
                z = (np.asarray(v, np.float32) - mean) @ matrix
                return (z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)).astype(np.float32)
        else:

            def project(v: np.ndarray) -> np.ndarray:
                return v

        model = training.linear_classifier_fit(
            np.concatenate([project(X), project(view_set.vectors)]),
            np.concatenate([y, view_set.labels]),
            regularization=settings.CLASSIFIER_REGULARIZATION,
        )
        return model, project

    def accuracy(fitted: tuple[training.LinearClassifier, Callable[[np.ndarray], np.ndarray]], family: str) -> float:
        model, project = fitted
        vectors, truth = backbone_queries[family]
        predicted = model.classes[np.argmax(model.logits(project(vectors)), axis=1)]
        hits = [catalog.label_of_category.get(int(c)) == t for c, t in zip(predicted, truth, strict=True)]
        return float(np.mean(hits))

    everything = fit(views)
    out = {}
    for family in customer_photos.FAMILIES:
        held = views.without(family)
        out[family] = {
            "trained_on_all_families": _r(accuracy(everything, family)),
            "family_held_out": _r(accuracy(fit(held), family)),
            "training_views": len(held.labels),
            "projection_retrained": projected,
        }
    return out


# ---- report ------------------------------------------------------------------------------


def _png(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _photo(image: Image.Image, side: int = 160) -> str:
    copy = image.convert("RGB")
    copy.thumbnail((side, side))
    buffer = io.BytesIO()
    copy.save(buffer, format="JPEG", quality=85)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def html_report(report: dict, results: dict[str, SetResult], failures: list[dict]) -> str:
    """A self-contained HTML page: accuracy per family (and held out of training), confusion
    matrix and reliability diagram of the mixed set, and the worst failures with their photos."""
    import html

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in SETS if n in results and results[n].accuracy is not None]
    lofo = report.get("leave_one_family_out") or {}
    fig, ax = plt.subplots(figsize=(9, 3.6))
    x = np.arange(len(names))
    accuracies = cast("list[float]", [results[n].accuracy for n in names])  # names: sets with an accuracy
    ax.bar(x - 0.2, accuracies, 0.4, label="category accuracy")
    ax.bar(x + 0.2, [results[n].precision_at_10 for n in names], 0.4, label="precision@10")
    held = [lofo.get(n, {}).get("family_held_out") for n in names]
    ax.scatter([i for i, h in zip(x, held, strict=True) if h is not None], [h for h in held if h is not None],
               color="black", marker="_", s=400, label="accuracy, family held out of training", zorder=3)  # fmt: skip
    ax.axhline(0.85, color="grey", lw=0.8, ls="--")
    ax.set_xticks(x, names, rotation=30)
    ax.set_ylim(0, 1)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title("Find by photo, per variation family")
    bars = _png(fig)

    charts = ""
    mixed = results.get("mixed")
    if mixed is not None and mixed.accuracy is not None:
        k = len(fm.CATEGORIES)
        matrix = np.zeros((k, k), dtype=int)
        for t, p in zip(mixed.truth, mixed.predicted, strict=True):
            if 0 <= p < k:
                matrix[t, p] += 1
        fig, ax = plt.subplots(figsize=(5.5, 5))
        ax.imshow(matrix, cmap="Blues")
        for i in range(k):
            for j in range(k):
                if matrix[i, j]:
                    ax.text(j, i, matrix[i, j], ha="center", va="center", fontsize=7,
                            color="white" if matrix[i, j] > matrix.max() / 2 else "black")  # fmt: skip
        short = [name for name, _, _ in fm.CATEGORIES]
        ax.set_xticks(range(k), short, rotation=60, fontsize=7)
        ax.set_yticks(range(k), short, fontsize=7)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title("Confusion matrix (mixed)")
        confusion = _png(fig)
        conf, corr = np.array(mixed.confidences), np.array(mixed.correct, dtype=float)
        edges = np.linspace(0, 1, BINS + 1)
        which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, BINS - 1)
        centres = (edges[:-1] + edges[1:]) / 2
        accs = [corr[which == b].mean() if (which == b).any() else np.nan for b in range(BINS)]
        fig, ax = plt.subplots(figsize=(5, 4.2))
        ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=0.8)
        ax.bar(centres, accs, width=1 / BINS, edgecolor="black", alpha=0.7, label="accuracy")
        bin_edges = cast("Sequence[float]", edges)  # an array; the stubs ask for a sequence
        ax.hist(conf, bins=bin_edges, weights=np.full(len(conf), 1 / max(len(conf), 1)), histtype="step",
                color="darkorange", label="share of answers")  # fmt: skip
        ax.set_xlabel("confidence (calibrated)")
        ax.set_ylabel("accuracy")
        ax.set_title(f"Reliability (mixed), ECE {mixed.ece:.3f}")
        ax.legend(fontsize=8)
        reliability = _png(fig)
        charts = (
            f'<img alt="confusion matrix" src="data:image/png;base64,{confusion}">'
            f'<img alt="reliability diagram" src="data:image/png;base64,{reliability}">'
        )

    rows = "".join(
        "<tr><td>{}</td>{}</tr>".format(
            html.escape(n),
            "".join(
                f"<td>{'' if v is None else f'{v:.3f}'}</td>"
                for v in (
                    results[n].accuracy,
                    lofo.get(n, {}).get("family_held_out"),
                    results[n].precision_at_10,
                    results[n].knn_precision_at_10,
                    results[n].ece,
                    results[n].wrong_at_90,
                )
            ),
        )
        for n in SETS
        if n in results
    )
    cards = "".join(
        f'<figure><img src="data:image/jpeg;base64,{f["photo"]}" alt="">'
        f"<figcaption>{html.escape(f['truth'])} → <b>{html.escape(f['predicted'])}</b> "
        f"({f['confidence']:.0%})<br><small>{html.escape(f['set'])}</small></figcaption></figure>"
        for f in failures
    )
    summary = html.escape(
        f"{report['model_version']} · catalog {report['catalog_size']} · known product "
        f"recall@1 {report['known_product'].get('recall_at_1')} / recall@10 "
        f"{report['known_product'].get('recall_at_10')} · two products, boxed: "
        f"{report['two_products'].get('accuracy')}"
    )
    return f"""<!doctype html><html lang="en"><meta charset="utf-8"><title>Vitrine: find by photo evaluation</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}}td:first-child{{text-align:left}}
img{{max-width:100%;margin:.5rem}}.grid{{display:flex;flex-wrap:wrap;gap:.5rem}}
figure{{margin:0;width:170px;font-size:.8rem}}figure img{{margin:0;border:1px solid #ddd}}</style>
<h1>Find by photo: customer-style photos</h1><p>{summary}</p>
<table><tr><th>set</th><th>accuracy</th><th>accuracy, family held out</th><th>precision@10</th>
<th>kNN precision@10</th><th>ECE</th><th>wrong at ≥ 90 %</th></tr>{rows}</table>
<img alt="accuracy per family" src="data:image/png;base64,{bars}">{charts}
<h2>Worst failures (most confident wrong answers)</h2><div class="grid">{cards}</div></html>
"""


def worst_failures(results: dict[str, SetResult], sets: dict[str, QuerySet], *, n: int = 40) -> list[dict]:
    """The ``n`` most confident wrong answers over the customer-style sets, with their photos."""
    candidates = []
    for name, result in results.items():
        if name == "clean" or result.accuracy is None:
            continue
        for i, (ok, confidence) in enumerate(zip(result.correct, result.confidences, strict=True)):
            if not ok:
                candidates.append((confidence, name, i))
    candidates.sort(reverse=True)
    out = []
    for confidence, name, i in candidates[:n]:
        predicted = sets[name].labels.dtype.type(results[name].predicted[i])
        out.append(
            {
                "set": name,
                "index": int(sets[name].indices[i]),
                "truth": fm.CATEGORIES[results[name].truth[i]][0],
                "predicted": fm.CATEGORIES[int(predicted)][0] if 0 <= int(predicted) < len(fm.CATEGORIES) else "?",
                "confidence": float(confidence),
                "photo": _photo(sets[name].photos[i]),
            }
        )
    return out


def timed(function: Callable[..., _T], *args: Any, **kwargs: Any) -> tuple[_T, float]:
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def table(report: dict) -> str:
    """The report as a Markdown table (readable in a terminal too): one row per set."""
    lofo = report.get("leave_one_family_out") or {}
    lines = [
        "| set | accuracy | accuracy, family held out of training | precision@10 | kNN precision@10 | ECE | "
        "wrong at >= 90 % |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]

    def cell(value: float | None) -> str:
        return "" if value is None else f"{value:.3f}"

    for name, row in report["sets"].items():
        held = lofo.get(name, {}).get("family_held_out")
        lines.append(
            f"| {name} | {cell(row['accuracy'])} | {cell(held)} | {cell(row['precision_at_10'])} | "
            f"{cell(row['knn_precision_at_10'])} | {cell(row['ece'])} | {cell(row['wrong_at_90'])} |"
        )
    known, two = report["known_product"], report["two_products"]
    lines += [
        "",
        f"Known product ({known.get('queries')} photos): recall@1 {known.get('recall_at_1')}, "
        f"recall@10 {known.get('recall_at_10')}. Two products in one photo, boxed "
        f"({two.get('boxes')} boxes): accuracy {two.get('accuracy')}. Catalog {report['catalog_size']}, "
        f"{report['model_version']}.",
    ]
    return "\n".join(lines)
