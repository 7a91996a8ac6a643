from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog import fashion_mnist as fm
from catalog.models import Category, Product
from recommender import embedder
from recommender.models import ImageEmbedding
from recommender.selectors import category_classifier_active, category_predict
from recommender.vector_search import nearest_products


class Command(BaseCommand):
    help = (
        "Evaluate the visual recommender on Fashion-MNIST *test* images (never in the catalog, which is "
        "built from train images): precision@10 (share of the 10 most similar products in the query's "
        "category), top-1 kNN accuracy, and the category classifier's accuracy. Prints and writes JSON."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--queries", type=int, default=1000, help="Number of test images, balanced (default 1000).")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--data-dir", type=Path, default=None)
        parser.add_argument(
            "--output", type=Path, default=None, help="JSON path (default var/reports/evaluation.json)."
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        k = options["k"]
        version = embedder.model_version()
        catalog_size = ImageEmbedding.objects.filter(model_version=version, product__is_active=True).count()
        if catalog_size == 0:
            raise CommandError(f"No embedded products for {version}: run import_fashion_mnist and embed_images first.")
        classifier = category_classifier_active(model_version=version)
        slug_to_label = {slug: label for label, (_, slug, _) in enumerate(fm.CATEGORIES)}
        categories = {c.pk: c.slug for c in Category.objects.all()}
        product_category = dict(Product.objects.values_list("pk", "category_id"))
        try:
            _, images, labels = fm.load("test", data_dir=options["data_dir"])
        except fm.DatasetUnavailable as exc:
            raise CommandError(str(exc)) from exc
        per_category = max(1, options["queries"] // len(fm.CATEGORIES))
        indices = fm.balanced_indices(labels, per_category)
        self.stdout.write(f"Embedding {len(indices)} test queries with {version} …")
        photos = [fm.to_product_photo(images[i]) for i in indices]
        started = time.perf_counter()
        vectors = embedder.embed_images(photos, batch_size=settings.EMBEDDING_BATCH_SIZE)
        embed_seconds = time.perf_counter() - started

        precision_sum: dict[int, float] = defaultdict(float)
        top1_hits: dict[int, int] = defaultdict(int)
        classifier_hits: dict[int, int] = defaultdict(int)
        counts: dict[int, int] = defaultdict(int)
        latencies = []
        for index, vector in tqdm(list(zip(indices, vectors, strict=True)), desc="Querying", unit="query"):
            label = int(labels[index])
            t0 = time.perf_counter()
            neighbours = nearest_products(vector=vector, model_version=version, limit=k)
            latencies.append(time.perf_counter() - t0)
            neighbour_labels = [slug_to_label.get(categories[product_category[pid]]) for pid, _ in neighbours]
            counts[label] += 1
            precision_sum[label] += sum(1 for n in neighbour_labels if n == label) / k
            top1_hits[label] += int(bool(neighbour_labels) and neighbour_labels[0] == label)
            if classifier is not None:
                prediction = category_predict(vector=vector)
                classifier_hits[label] += int(
                    prediction is not None and slug_to_label.get(prediction.category.slug) == label
                )
        total = sum(counts.values())
        report = {
            "model_version": version,
            "embedding_backend": embedder.get_config().backend,
            "catalog_size": catalog_size,
            "queries": total,
            "k": k,
            f"precision_at_{k}": round(sum(precision_sum.values()) / total, 4),
            "top1_knn_accuracy": round(sum(top1_hits.values()) / total, 4),
            "classifier_accuracy": round(sum(classifier_hits.values()) / total, 4) if classifier else None,
            "classifier_held_out_accuracy": round(classifier.held_out_accuracy, 4) if classifier else None,
            "query_embedding_images_per_s": round(total / embed_seconds, 1),
            "search_latency_ms_p50": round(float(np.percentile(latencies, 50)) * 1000, 2),
            "per_category": {
                fm.CATEGORIES[label][0]: {
                    f"precision_at_{k}": round(precision_sum[label] / counts[label], 4),
                    "top1_knn_accuracy": round(top1_hits[label] / counts[label], 4),
                    "classifier_accuracy": round(classifier_hits[label] / counts[label], 4) if classifier else None,
                }
                for label in sorted(counts)
            },
        }
        output = options["output"] or Path(settings.BASE_DIR) / "var" / "reports" / "evaluation.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n")
        self.stdout.write(json.dumps(report, indent=2))
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
