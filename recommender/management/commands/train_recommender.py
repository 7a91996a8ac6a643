from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from recommender import embedder
from recommender.exceptions import RecommenderError
from recommender.models import ImageEmbedding
from recommender.selectors import category_classifier_active, product_images_pending
from recommender.services import recommender_train


class Command(BaseCommand):
    help = (
        "Train what find by photo learns from the catalog: customer-style views of every product's photo, "
        "the invariance projection on top of VGG16 (EMBEDDING_PROJECTION), the catalog's vectors under the new "
        "model version, and the calibrated category classifier. Run it after importing or embedding a catalog "
        "(`make catalog` does); safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--views", type=int, default=None, help="Views per product (CLASSIFIER_VIEWS_PER_PRODUCT).")
        parser.add_argument("--epochs", type=int, default=15, help="Projection training passes (default 15).")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--force", action="store_true", help="Train again even if nothing changed.")

    def handle(self, *args: Any, **options: Any) -> None:
        version = embedder.model_version()
        active = category_classifier_active(model_version=version)
        vectors = ImageEmbedding.objects.filter(model_version=version, product__is_active=True).count()
        if (
            not options["force"]
            and active is not None
            and "+proj" in version
            and active.metrics.get("catalog_vectors") == vectors
            and not product_images_pending(model_version=version).exists()
        ):
            self.stdout.write(f"Already trained for {version} on these {vectors} photos (--force trains again).")
            return
        try:
            with tqdm(desc="Customer-style views", unit="view") as bar:
                report = recommender_train(
                    views_per_product=options["views"],
                    seed=options["seed"],
                    epochs=options["epochs"],
                    progress=bar.update,
                )
        except RecommenderError as exc:
            raise CommandError(str(exc)) from exc
        classifier = report.classifier
        metrics = classifier.metrics
        self.stdout.write(
            self.style.SUCCESS(
                f"Trained {report.model_version} on {report.backbone_version} ({report.backbone_embedded} photos "
                f"embedded for training, {report.views} customer-style views); {report.projected} catalog vectors "
                f"projected. Classifier {classifier.pk}: held-out catalog accuracy {classifier.held_out_accuracy:.3f}, "
                f"customer-style views {metrics.get('held_out_views_accuracy')}, ECE {metrics.get('ece_before')} -> "
                f"{metrics.get('ece')} (temperature {classifier.temperature:.2f})."
            )
        )
