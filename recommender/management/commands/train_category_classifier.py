from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommender.services import NotEnoughTrainingData, category_classifier_train


class Command(BaseCommand):
    help = (
        "Train the find-by-photo category classifier on the catalog's embeddings and customer-style views of "
        "its photos, calibrate it (temperature scaling); prints held-out accuracy and calibration."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--test-fraction", type=float, default=0.2)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--C",
            dest="regularization",
            type=float,
            default=None,
            help="Inverse L2 strength (CLASSIFIER_REGULARIZATION).",
        )
        parser.add_argument(
            "--views", type=int, default=None, help="Customer-style views per product (CLASSIFIER_VIEWS_PER_PRODUCT)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with tqdm(desc="Customer-style views", unit="view") as bar:
                classifier = category_classifier_train(
                    test_fraction=options["test_fraction"],
                    seed=options["seed"],
                    regularization=options["regularization"],
                    views_per_product=options["views"],
                    progress=bar.update,
                )
        except NotEnoughTrainingData as exc:
            raise CommandError(str(exc)) from exc
        metrics = classifier.metrics
        views = ""
        if "held_out_views_accuracy" in metrics:
            views = (
                f" Held-out customer-style views: accuracy {metrics['held_out_views_accuracy']:.3f}, "
                f"ECE {metrics['ece_before']:.3f} -> {metrics['ece']:.3f} (temperature {classifier.temperature:.2f}), "
                f"wrong at >= 90% confidence {metrics['wrong_at_90']:.3f}."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Trained classifier {classifier.pk} for {classifier.model_version}: held-out accuracy "
                f"{classifier.held_out_accuracy:.3f} ({classifier.train_size} train / "
                f"{classifier.test_size} test images, {len(classifier.category_ids)} categories).{views}"
            )
        )
