from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from recommender.services import NotEnoughTrainingData, category_classifier_train


class Command(BaseCommand):
    help = "Train the find-by-photo category classifier on the catalog's embeddings; prints held-out accuracy."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--test-fraction", type=float, default=0.2)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--C", dest="regularization", type=float, default=0.03, help="Inverse L2 strength (default 0.03)."
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            classifier = category_classifier_train(
                test_fraction=options["test_fraction"], seed=options["seed"], regularization=options["regularization"]
            )
        except NotEnoughTrainingData as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Trained classifier {classifier.pk} for {classifier.model_version}: held-out accuracy "
                f"{classifier.held_out_accuracy:.3f} ({classifier.train_size} train / "
                f"{classifier.test_size} test images, {len(classifier.category_ids)} categories)."
            )
        )
