"""Upload-to-findable latency and bulk-import throughput, against a real worker.

Needs PostgreSQL with pgvector (DATABASE_URL), a Redis broker (CELERY_BROKER_URL) and a running
worker on the same database and media (`make worker`). Prints figures; writes a benchmark seller
and its products (SKUs BENCH-…), removed at the end unless --keep.

- Single images: a seller publishes a product with one new photo (Fashion-MNIST test photos,
  never in the catalog); the clock runs from the commit (when the embedding task is enqueued)
  until the photo's vector is stored. One at a time, so the worker is idle for each.
- Bulk import: a CSV + ZIP of N photos (Fashion-MNIST test photos) through the seller import,
  timed until every photo's vector is stored.
"""

from __future__ import annotations

import io
import time
import zipfile
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from accounts.models import Seller, User
from accounts.services import seller_apply, seller_decide
from catalog import fashion_mnist as fm
from catalog.bulk_import import bulk_import_create
from catalog.models import BulkImport, Category, Product, ProductImage
from catalog.services import category_get_or_create, product_image_files_delete, seller_product_create
from recommender.models import ImageEmbedding


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    fm.to_product_photo(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


class Command(BaseCommand):
    help = "Benchmark upload-to-findable latency (single images) and bulk import throughput (real worker)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--singles", type=int, default=30, help="single-image uploads to time (default 30)")
        parser.add_argument("--bulk", type=int, default=1000, help="photos in the bulk import (default 1000)")
        parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the worker")
        parser.add_argument("--keep", action="store_true", help="keep the benchmark seller and products")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.CELERY_BROKER_URL or settings.CELERY_TASK_ALWAYS_EAGER:
            raise CommandError("Set CELERY_BROKER_URL and run a worker (`make worker`): this measures the real path.")
        if connection.vendor != "postgresql":
            raise CommandError("Use PostgreSQL with pgvector (DATABASE_URL=postgres://...).")
        _, images, labels = fm.load("test")
        seller = self._seller()
        category = category_get_or_create(name="Benchmark", slug="benchmark")
        stamp = int(time.time())
        try:
            self._singles(seller, category, images, options["singles"], stamp, options["timeout"])
            self._bulk(seller, images, options["bulk"], stamp, options["timeout"])
        finally:
            if not options["keep"]:
                self._clean(seller)

    def _seller(self) -> Seller:
        user, _ = User.objects.get_or_create(email="benchmark-seller@vitrine.localhost")
        seller = Seller.objects.filter(user=user).first() or seller_apply(user=user, store_name="Benchmark seller")
        staff = User.objects.filter(is_staff=True).first() or user
        return seller_decide(seller=seller, status=Seller.Status.APPROVED, actor=staff)

    def _wait_for_vectors(self, image_ids: list[int], timeout: float) -> float:
        deadline = time.monotonic() + timeout
        remaining = set(image_ids)
        while remaining:
            stored = set(
                ImageEmbedding.objects.filter(product_image_id__in=remaining).values_list("product_image_id", flat=True)
            )
            remaining -= stored
            if remaining and time.monotonic() > deadline:
                raise CommandError(
                    f"{len(remaining)} image(s) not embedded after {timeout:.0f} s: is a worker running?"
                )
            if remaining:
                time.sleep(0.02)
        return time.perf_counter()

    def _singles(
        self, seller: Seller, category: Category, images: np.ndarray, count: int, stamp: int, timeout: float
    ) -> None:
        latencies = []
        for i in range(count):
            upload = SimpleUploadedFile(f"single-{i}.png", _png(images[i]), content_type="image/png")
            product = seller_product_create(
                seller=seller, category=category, name=f"Bench single {i}", sku=f"BENCH-S-{stamp}-{i}",
                price=Decimal("9.99"), stock=1, images=[upload],
            )  # fmt: skip
            committed = time.perf_counter()  # the service's transaction committed: the task is enqueued
            image_id = product.images.get().pk
            latencies.append(self._wait_for_vectors([image_id], timeout) - committed)
        ms = [1000 * s for s in latencies]
        self.stdout.write(
            f"upload → findable (commit to vector stored), {count} single images, idle worker: "
            f"p50 {_percentile(ms, 50):.0f} ms, p95 {_percentile(ms, 95):.0f} ms, max {max(ms):.0f} ms "
            f"(first {ms[0]:.0f} ms includes a cold worker if it just started)"
        )

    def _bulk(self, seller: Seller, images: np.ndarray, count: int, stamp: int, timeout: float) -> None:
        offset = 1000  # not the single-image photos
        lines = ["name,sku,category,price,stock,images"]
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as zf:
            for i in range(count):
                name = f"bulk-{i:05d}.png"
                zf.writestr(name, _png(images[(offset + i) % len(images)]))
                lines.append(f"Bench bulk {i},BENCH-B-{stamp}-{i},benchmark,9.99,1,{name}")
        csv_bytes = ("\n".join(lines) + "\n").encode()
        started = time.perf_counter()
        bulk = bulk_import_create(seller=seller, csv_file=io.BytesIO(csv_bytes), zip_file=archive)
        deadline = time.monotonic() + timeout
        while BulkImport.objects.get(pk=bulk.pk).status not in ("done", "failed"):
            if time.monotonic() > deadline:
                raise CommandError("the bulk import did not finish: is a worker running?")
            time.sleep(0.1)
        imported = time.perf_counter()
        bulk.refresh_from_db()
        image_ids = list(
            ProductImage.objects.filter(product__sku__startswith=f"BENCH-B-{stamp}-").values_list("pk", flat=True)
        )
        finished = self._wait_for_vectors(image_ids, timeout)
        self.stdout.write(
            f"bulk import of {count} images ({bulk.created_count} products, {len(bulk.errors)} row errors): "
            f"rows imported in {imported - started:.1f} s ({count / (imported - started):.0f} images/s), "
            f"all findable after {finished - started:.1f} s ({count / (finished - started):.0f} images/s end to end)"
        )

    def _clean(self, seller: Seller) -> None:
        images = ProductImage.objects.filter(product__seller=seller)
        for image in images:
            product_image_files_delete(product_image=image)  # autocommit: deleted at once
        images.delete()
        Product.objects.filter(seller=seller).delete()
        BulkImport.objects.filter(seller=seller).delete()
