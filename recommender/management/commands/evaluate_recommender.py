from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog import fashion_mnist as fm
from recommender import customer_photos, embedder, evaluation


class Command(BaseCommand):
    help = (
        "Evaluate find by photo on Fashion-MNIST *test* images 0-8999 (never in the catalog, which is built "
        "from train images; 9000-9999 are reserved for independent checks): the clean catalog-look set and "
        "customer-style photos per variation family and mixed (category accuracy, precision@10 of what the "
        "shop shows, kNN precision@10, calibration), the known-product scenario (recall@1/@10), two products "
        "in one photo with a box on each, and leave-one-family-out training. Writes JSON and an HTML report."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queries", type=int, default=1000, help="Photos per set, balanced (default 1000).")
        parser.add_argument("--sets", default=",".join(evaluation.SETS), help="Comma-separated sets (default: all).")
        parser.add_argument("--known-products", type=int, default=500, help="Known-product photos (default 500).")
        parser.add_argument("--two-product-photos", type=int, default=200, help="Two-product photos (default 200).")
        parser.add_argument(
            "--lofo-views", type=int, default=None, help="Views per product for leave-one-family-out (0 skips it)."
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--data-dir", type=Path, default=None)
        parser.add_argument(
            "--output", type=Path, default=None, help="JSON path (default var/reports/evaluation.json)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sets = [s.strip() for s in options["sets"].split(",") if s.strip()]
        unknown = set(sets) - set(evaluation.SETS)
        if unknown:
            raise CommandError(f"Unknown sets {sorted(unknown)}; choose from {', '.join(evaluation.SETS)}.")
        catalog = evaluation.catalog_load()
        if catalog.size == 0:
            raise CommandError(
                f"No embedded products for {catalog.version}: run import_fashion_mnist and embed_images first."
            )
        try:
            _, test_images, test_labels = fm.load("test", data_dir=options["data_dir"])
            _, train_images, _ = fm.load("train", data_dir=options["data_dir"])
        except fm.DatasetUnavailable as exc:
            raise CommandError(str(exc)) from exc
        per_category = max(1, options["queries"] // len(fm.CATEGORIES))
        indices = evaluation.query_indices(test_labels, per_category)
        seed = options["seed"]
        results, query_sets, backbone_vectors = {}, {}, {}
        backbone = embedder.backbone_config()
        for name in sets:
            query_set = evaluation.query_set(name, test_images, test_labels, indices, seed=seed)
            # The current recipe's vectors are the projection of the backbone's (applied after the CNN).
            (raw, _), seconds = evaluation.timed(evaluation.embed, query_set.photos, config=backbone)
            backbone_vectors[name] = (raw, query_set.labels)
            vectors = embedder.project(raw)
            results[name] = evaluation.evaluate_vectors(name, vectors, query_set.labels, catalog)
            query_sets[name] = query_set
            row = results[name].summary()
            self.stdout.write(
                f"{name:>10}: accuracy {row['accuracy']}, precision@10 {row['precision_at_10']}, "
                f"kNN precision@10 {row['knn_precision_at_10']}, ECE {row['ece']}, wrong at >=90% "
                f"{row['wrong_at_90']} ({len(indices)} photos, {len(indices) / seconds:.0f} photos/s)"
            )
        known = evaluation.known_product(catalog, train_images, n=options["known_products"], seed=seed)
        self.stdout.write(f"known product: {known}")
        two = evaluation.two_products(catalog, test_images, test_labels, pairs=options["two_product_photos"], seed=seed)
        self.stdout.write(f"two products, boxed: {two}")
        lofo_views = settings.CLASSIFIER_VIEWS_PER_PRODUCT if options["lofo_views"] is None else options["lofo_views"]
        lofo = {}
        if (
            lofo_views > 0
            and catalog.classifier is not None
            and all(f in backbone_vectors for f in customer_photos.FAMILIES)
        ):
            with tqdm(total=catalog.size * lofo_views, desc="Views for leave-one-family-out", unit="view") as bar:
                lofo = evaluation.leave_one_family_out(
                    catalog, backbone_vectors, views_per_product=lofo_views, seed=seed, progress=bar.update
                )
            for family, row in lofo.items():
                self.stdout.write(f"{family:>10}: held out of training {row['family_held_out']}")
        classifier = catalog.classifier
        report = {
            "model_version": catalog.version,
            "embedding_backend": settings.EMBEDDING_BACKEND,
            "catalog_size": catalog.size,
            "classifier": None
            if classifier is None
            else {
                "id": classifier.pk,
                "held_out_accuracy": round(classifier.held_out_accuracy, 4),
                "temperature": round(classifier.temperature, 4),
                **classifier.metrics,
            },
            "queries_per_set": len(indices),
            "test_images": "Fashion-MNIST test images 0-8999 only",
            "sets": {name: result.summary() for name, result in results.items()},
            "known_product": known,
            "two_products": two,
            "leave_one_family_out": lofo,
        }
        # The clean set's figures under their earlier names, for comparison with older reports.
        if "clean" in results:
            report["precision_at_10"] = results["clean"].summary()["knn_precision_at_10"]
            report["classifier_accuracy"] = results["clean"].summary()["accuracy"]
        output = options["output"] or Path(settings.BASE_DIR) / "var" / "reports" / "evaluation.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n")
        failures = evaluation.worst_failures(results, query_sets)
        html_path = output.with_suffix(".html")
        html_path.write_text(evaluation.html_report(report, results, failures))
        markdown = evaluation.table(report)
        output.with_suffix(".md").write_text(markdown + "\n")
        self.stdout.write(markdown)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}, {output.with_suffix('.md')} and {html_path}"))
