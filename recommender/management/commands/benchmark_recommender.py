from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import override_settings

from catalog import fashion_mnist as fm
from catalog.models import Category, Product, ProductImage
from recommender import embedder
from recommender.models import ImageEmbedding

HNSW_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS recommender_imageembedding_vector_hnsw ON recommender_imageembedding "
    "USING hnsw (vector vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
)


def _percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2)}


def _top10_excluding_self(vectors: np.ndarray) -> np.ndarray:
    """Indices (n, 10) of each row's 10 most cosine-similar other rows (rows L2-normalised)."""
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -2.0)
    return np.argsort(-sims, axis=1)[:, :10]


def _timed(fn: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t0


class Command(BaseCommand):
    help = (
        "Benchmark (prints figures; not a test): embedding images/s at batch 1 and 32 (and agreement of the "
        "fast path with fp32 Keras); similar-items latency p50/p95 and HNSW recall@10 at 10k and 100k stored "
        "vectors (clustered around real embeddings) on this database and, with --postgres-url, on "
        "PostgreSQL/pgvector; find-by-photo latency p50/p95. Works in a throwaway database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sizes", default="10000,100000", help="Stored vector counts (comma-separated).")
        parser.add_argument("--queries", type=int, default=200)
        parser.add_argument("--postgres-url", default=None, help="Also run the search benchmark on this database.")
        parser.add_argument("--skip-embedding", action="store_true")
        parser.add_argument("--skip-search", action="store_true")
        parser.add_argument("--data-dir", type=Path, default=None)
        parser.add_argument("--output", type=Path, default=None, help="JSON path (default var/reports/benchmark.json).")

    # ---------------------------------------------------------------- data
    def _dataset(self, options: dict[str, Any], split: str) -> tuple[np.ndarray, np.ndarray]:
        try:
            return fm.load(split, data_dir=options["data_dir"])[1:]
        except fm.DatasetUnavailable as exc:
            raise CommandError(str(exc)) from exc

    # ---------------------------------------------------------------- embedding
    def bench_embedding(self, options: dict[str, Any]) -> dict[str, Any]:
        images, labels = self._dataset(options, "train")
        indices = fm.balanced_indices(labels, 20)  # 200 photos
        photos = [fm.to_product_photo(images[i]) for i in indices]
        config = embedder.get_config()
        results: dict = {"model_version": embedder.model_version(), "input_size": config.input_size}
        # The whole catalog recipe, as a worker runs it: isolation, CNN, projection (when trained),
        # on the demo catalog's colour photos (224 px), in batches of EMBEDDING_BATCH_SIZE.
        catalog = [fm.to_product_photo(images[i], colour=fm.product_colour(int(i))[1]) for i in indices]
        from recommender.isolation import detect_and_isolate

        embedder.embed_photos(catalog[:2], batch_size=1)
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            embedder.embed_photos(catalog, batch_size=settings.EMBEDDING_BATCH_SIZE)
            runs.append(len(catalog) / (time.perf_counter() - t0))
        isolation = [_timed(detect_and_isolate, p) for p in catalog[:100]]
        results["catalog_recipe"] = {
            "images_per_s_median": round(float(np.median(runs)), 1),
            "images_per_s_range": [round(min(runs), 1), round(max(runs), 1)],
            "isolation_ms": _percentiles(isolation),
        }
        self.stdout.write(f"  catalog recipe (isolation + CNN): {results['catalog_recipe']}")
        backends = [config.backend] + (["keras"] if config.backend != "keras" else [])
        vectors: dict[str, np.ndarray] = {}
        for backend in backends:
            with override_settings(EMBEDDING_BACKEND=backend):
                embedder.embed_images(photos[:2], batch_size=1)  # load / build the model
                single = [_timed(embedder.embed_images, [p], batch_size=1) for p in photos[:32]]
                t0 = time.perf_counter()
                vectors[backend] = embedder.embed_images(photos, batch_size=32)
                batch_seconds = time.perf_counter() - t0
            results[backend] = {
                "batch_1_images_per_s": round(len(single) / sum(single), 1),
                "batch_32_images_per_s": round(len(photos) / batch_seconds, 1),
                "batch_1_latency": _percentiles(single),
            }
            self.stdout.write(f"  {backend}: {results[backend]}")
        if len(backends) == 2:
            fast, exact = vectors[backends[0]], vectors["keras"]
            cosines = np.sum(fast * exact, axis=1)
            # Each photo as a query against the other 199: do both models find the same top 10?
            top_fast, top_exact = _top10_excluding_self(fast), _top10_excluding_self(exact)
            agreement = [len(set(r) & set(e)) / 10 for r, e in zip(top_fast, top_exact, strict=True)]
            results["fast_vs_fp32"] = {
                "cosine_mean": round(float(cosines.mean()), 6),
                "cosine_min": round(float(cosines.min()), 6),
                "top10_agreement": round(float(np.mean(agreement)), 4),
            }
            self.stdout.write(f"  {backends[0]} vs keras fp32: {results['fast_vs_fp32']}")
        return results

    # ---------------------------------------------------------------- search
    def bench_search(self, options: dict[str, Any]) -> dict[str, Any]:
        from recommender.selectors import product_similar_list
        from recommender.services import category_classifier_train, image_search

        sizes = sorted(int(s) for s in options["sizes"].split(","))
        vendor = connection.vendor
        old_name = connection.settings_dict["NAME"]
        tmp = tempfile.TemporaryDirectory()
        if vendor == "sqlite":
            connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
        else:
            connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{old_name}_benchmark"
        self.stdout.write(f"Search benchmark on {vendor} (throwaway database) …")
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            return self._bench_search_in_db(
                options, sizes, product_similar_list, category_classifier_train, image_search
            )
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)
            tmp.cleanup()

    def _bench_search_in_db(
        self,
        options: dict[str, Any],
        sizes: list[int],
        product_similar_list: Callable[..., Any],
        category_classifier_train: Callable[..., Any],
        image_search: Callable[..., Any],
    ) -> dict[str, Any]:
        from recommender.vector_search import NumpyIndex, vector_index

        rng = np.random.default_rng(0)
        version = embedder.model_version()
        train_images, train_labels = self._dataset(options, "train")
        centre_idx = fm.balanced_indices(train_labels, 50)  # 500 real embeddings as cluster centres
        centres = embedder.embed_images([fm.to_product_photo(train_images[i]) for i in centre_idx], batch_size=32)
        centre_labels = train_labels[centre_idx].astype(int)
        categories = [
            Category.objects.create(name=name, slug=slug, position=i) for i, (name, slug, _) in enumerate(fm.CATEGORIES)
        ]
        all_vectors = np.zeros((0, 512), np.float32)
        all_product_ids = np.zeros(0, np.int64)
        results: dict = {"vendor": connection.vendor, "model_version": version, "sizes": {}}
        for size in sizes:
            n_new = size - len(all_product_ids)
            t0 = time.perf_counter()
            pick = rng.integers(0, len(centres), n_new)
            vectors = centres[pick] + rng.normal(0, 0.02, (n_new, 512)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            start = len(all_product_ids)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("DROP INDEX IF EXISTS recommender_imageembedding_vector_hnsw")
            products = Product.objects.bulk_create(
                [
                    Product(
                        category=categories[centre_labels[p]],
                        name=f"Bench {start + i}",
                        slug=f"bench-{start + i}",
                        sku=f"BENCH-{start + i}",
                        price=Decimal("10.00") + (start + i) % 90,
                        stock=5,
                    )
                    for i, p in enumerate(pick)
                ],
                batch_size=5000,
            )
            images = ProductImage.objects.bulk_create(
                [
                    ProductImage(
                        product=p,
                        image=f"bench/{p.pk}.png",
                        sha256="0" * 64,
                        width=224,
                        height=224,
                        embedding_status="embedded",
                    )
                    for p in products
                ],
                batch_size=5000,
            )
            ImageEmbedding.objects.bulk_create(
                [
                    ImageEmbedding(product_image=im, product=p, model_version=version, vector=v)
                    for im, p, v in zip(images, products, vectors, strict=True)
                ],
                batch_size=2000,
            )
            insert_seconds = time.perf_counter() - t0
            index_seconds = None
            if connection.vendor == "postgresql":
                t0 = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute("SET maintenance_work_mem = '1GB'")
                    cursor.execute(HNSW_INDEX_SQL)
                    cursor.execute("ANALYZE")  # fresh planner statistics, as autovacuum would give
                index_seconds = round(time.perf_counter() - t0, 1)
            all_vectors = np.concatenate([all_vectors, vectors])
            all_product_ids = np.concatenate([all_product_ids, np.array([p.pk for p in products], np.int64)])
            NumpyIndex.cache.clear()
            index = vector_index()
            index.nearest_products(vector=all_vectors[0], model_version=version, limit=12)  # warm caches
            # Two disjoint sets of query products: timing one call right after another on the
            # same neighbourhood would measure warm caches.
            rows = rng.choice(len(all_product_ids), 2 * options["queries"], replace=False)
            similar_rows, nearest_rows = rows[: options["queries"]], rows[options["queries"] :]
            query_products = {p.pk: p for p in Product.objects.filter(pk__in=all_product_ids[similar_rows].tolist())}
            similar_seconds, nearest_seconds, recalls = [], [], []
            for row in similar_rows:
                product = query_products[int(all_product_ids[row])]
                similar_seconds.append(_timed(product_similar_list, product=product, limit=12, min_similarity=-1.0))
            for row in nearest_rows:
                t0 = time.perf_counter()
                found = index.nearest_products(vector=all_vectors[row], model_version=version, limit=11)
                nearest_seconds.append(time.perf_counter() - t0)
                sims = all_vectors @ all_vectors[row]
                exact = set(all_product_ids[np.argsort(-sims)[:10]].tolist())
                recalls.append(len(exact & {pid for pid, _ in found[:10]}) / 10)
            entry = {
                "insert_seconds": round(insert_seconds, 1),
                "hnsw_build_seconds": index_seconds,
                "similar_items": _percentiles(similar_seconds),
                "nearest_products": _percentiles(nearest_seconds),
                "recall_at_10": round(float(np.mean(recalls)), 4),
            }
            results["sizes"][str(size)] = entry
            self.stdout.write(f"  {connection.vendor} {size:>7} vectors: {entry}")
            if size == sizes[0]:
                results["find_by_photo"] = self._bench_find_by_photo(options, category_classifier_train, image_search)
                self.stdout.write(f"  find by photo at {size} vectors: {results['find_by_photo']}")
        return results

    def _bench_find_by_photo(
        self, options: dict[str, Any], category_classifier_train: Callable[..., Any], image_search: Callable[..., Any]
    ) -> dict[str, Any]:
        from recommender import customer_photos

        classifier = category_classifier_train(views_per_product=0)  # the vectors here have no photos
        test_images, test_labels = self._dataset(options, "test")
        uploads = []
        # Shoppers' photos (320 px, every variation family mixed, JPEG): query-side isolation included.
        for n, i in enumerate(fm.balanced_indices(test_labels, 5)):
            families = customer_photos.mixed_families(np.random.default_rng(n))
            photo = customer_photos.customer_photo(test_images[i], families=families, seed=n).image
            buffer = io.BytesIO()
            photo.save(buffer, format="JPEG", quality=90)
            uploads.append(buffer.getvalue())
        image_search(file=SimpleUploadedFile("warm.jpg", uploads[0]), name="warm.jpg")
        seconds = [
            _timed(image_search, file=SimpleUploadedFile("query.jpg", data, "image/jpeg"), name="query.jpg")
            for data in uploads
        ]
        return {
            **_percentiles(seconds),
            "queries": len(seconds),
            "classifier_held_out_accuracy": round(classifier.held_out_accuracy, 4),
        }

    # ---------------------------------------------------------------- main
    def handle(self, *args: Any, **options: Any) -> None:
        report: dict = {}
        if not options["skip_embedding"]:
            self.stdout.write("Embedding throughput …")
            report["embedding"] = self.bench_embedding(options)
        if not options["skip_search"]:
            report["search"] = {connection.vendor: self.bench_search(options)}
            if options["postgres_url"]:
                with tempfile.NamedTemporaryFile(suffix=".json") as out:
                    command = [
                        sys.executable,
                        "manage.py",
                        "benchmark_recommender",
                        "--skip-embedding",
                        "--sizes",
                        options["sizes"],
                        "--queries",
                        str(options["queries"]),
                        "--output",
                        out.name,
                    ]
                    if options["data_dir"]:
                        command += ["--data-dir", str(options["data_dir"])]
                    env = {**os.environ, "DATABASE_URL": options["postgres_url"]}
                    subprocess.run(command, check=True, env=env, cwd=settings.BASE_DIR)
                    report["search"].update(json.loads(Path(out.name).read_text())["search"])
        output = options["output"] or Path(settings.BASE_DIR) / "var" / "reports" / "benchmark.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n")
        self.stdout.write(json.dumps(report, indent=2))
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))
