from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from catalog.models import ProductImage
from recommender import embedder
from recommender.selectors import product_images_pending
from recommender.services import product_image_embed_enqueue, product_images_embed


class Command(BaseCommand):
    help = (
        "Embed every product image that has no vector for the current model version, in batches. "
        "Resumable: stop it at any time and run it again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=64)
        parser.add_argument("--limit", type=int, default=None, help="Embed at most this many images.")
        parser.add_argument("--retry-failed", action="store_true", help="Also retry images marked failed.")
        parser.add_argument(
            "--enqueue", action="store_true", help="Send the images to Celery workers instead of embedding here."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        version = embedder.model_version()
        if options["retry_failed"]:
            ProductImage.objects.filter(embedding_status=ProductImage.EmbeddingStatus.FAILED).update(
                embedding_status=ProductImage.EmbeddingStatus.PENDING, embedding_error=""
            )
        ids = list(product_images_pending(model_version=version).values_list("pk", flat=True))
        if options["limit"] is not None:
            ids = ids[: options["limit"]]
        if not ids:
            self.stdout.write(f"Nothing to embed: every image has a vector for {version}.")
            return
        if options["enqueue"]:
            product_image_embed_enqueue(image_ids=ids)
            self.stdout.write(self.style.SUCCESS(f"Enqueued {len(ids)} images for {version}."))
            return
        self.stdout.write(f"Embedding {len(ids)} images with {version} …")
        batch_size = max(1, options["batch_size"])
        embedded = failed = 0
        started = time.perf_counter()
        with tqdm(total=len(ids), desc="Embedding", unit="img") as bar:
            for start in range(0, len(ids), batch_size):
                report = product_images_embed(image_ids=ids[start : start + batch_size])
                embedded += len(report.embedded)
                failed += len(report.failed)
                bar.update(len(report.embedded) + len(report.skipped) + len(report.failed))
                bar.set_postfix(failed=failed)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Embedded {embedded} images in {elapsed:.1f} s ({embedded / elapsed:.1f} images/s); {failed} failed."
            )
        )
