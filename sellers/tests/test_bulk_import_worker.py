"""Fault test: the worker is killed (SIGKILL) in the middle of a 200-image bulk import and a new
worker takes over. Every image ends with exactly one embedding; no row is lost, none doubled
(acks_late + reject_on_worker_lost redeliver the import; SKUs and photo hashes make it safe to
run again). PostgreSQL, Redis and real worker processes."""

from __future__ import annotations

import io
import signal
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from PIL import ImageOps

from catalog.models import BulkImport, Product, ProductImage
from catalog.tests.factories import CategoryFactory, seller_create
from catalog.tests.sample import FashionMnistSample
from recommender.models import ImageEmbedding
from recommender.tests.test_worker import _media_root, worker_media  # noqa: F401  (fixtures)
from recommender.tests.worker_process import routed_to, worker_start, worker_stop
from sellers.bulk_import import bulk_import_create

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ROWS = 200
# Short enough for the test, long enough for the import to be under way when the worker dies.
FAST_REDELIVERY = {
    "CELERY_VISIBILITY_TIMEOUT": "8",
    "CELERY_UNACKED_RESTORE_INTERVAL": "1",
    "CELERY_UNACKED_RESTORE_THROTTLE": "1",
}


def _files(fashion_mnist_sample: FashionMnistSample) -> tuple[bytes, bytes]:
    """A 200-row CSV and a ZIP of 200 distinct real photos (the 160 sample photos, and 40 of
    them mirrored)."""
    photos = [fashion_mnist_sample.photo("train", r) for r in range(len(fashion_mnist_sample.train_labels))]
    photos += [fashion_mnist_sample.photo("test", r) for r in range(len(fashion_mnist_sample.test_labels))]
    photos += [ImageOps.mirror(p) for p in photos[: ROWS - len(photos)]]
    lines = ["name,sku,category,price,stock,images"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for i, image in enumerate(photos[:ROWS]):
            buffer = io.BytesIO()
            image.save(buffer, format="PNG")
            zf.writestr(f"p{i:03d}.png", buffer.getvalue())
            lines.append(f"Item {i},FT-{i:03d},bag,9.99,1,p{i:03d}.png")
    return ("\n".join(lines) + "\n").encode(), archive.getvalue()


def _wait(condition: Callable[[], object], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")
        time.sleep(0.2)


def test_killing_the_worker_mid_import_loses_and_doubles_nothing(
    vgg16_weights,
    fashion_mnist_sample,
    worker_media,  # noqa: F811  (the fixture imported above)
    tmp_path,
):
    assert connection.vendor == "postgresql"
    CategoryFactory.create(name="Bag", slug="bag")
    seller = seller_create("s@example.com", "Fault Co")
    csv_bytes, zip_bytes = _files(fashion_mnist_sample)
    queue = f"fault-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "workers.log"

    with routed_to(queue):
        first = worker_start(queue=queue, media_root=worker_media, log=log, extra_env=FAST_REDELIVERY)
        bulk = bulk_import_create(seller=seller, csv_file=io.BytesIO(csv_bytes), zip_file=io.BytesIO(zip_bytes))
        _wait(lambda: BulkImport.objects.get(pk=bulk.pk).processed_rows >= 40, 120, "40 imported rows", log)
        first.send_signal(signal.SIGKILL)  # mid-import, mid-row, no goodbye
        first.wait()
        killed_at = BulkImport.objects.get(pk=bulk.pk).processed_rows
        assert 40 <= killed_at < ROWS

        second = worker_start(queue=queue, media_root=worker_media, log=log, extra_env=FAST_REDELIVERY)
        try:
            _wait(lambda: BulkImport.objects.get(pk=bulk.pk).status == "done", 300, "the import to finish", log)
            _wait(
                lambda: not ProductImage.objects.exclude(embedding_status="embedded").exists(),
                300,
                "every image embedded",
                log,
            )
        finally:
            worker_stop(second)

    bulk.refresh_from_db()
    assert (bulk.total_rows, bulk.processed_rows, bulk.errors) == (ROWS, ROWS, [])
    assert Product.objects.filter(seller=seller).count() == ROWS
    assert sorted(Product.objects.values_list("sku", flat=True)) == [f"FT-{i:03d}" for i in range(ROWS)]
    assert ProductImage.objects.count() == ROWS  # one photo per product, none doubled
    per_image = ImageEmbedding.objects.values_list("product_image_id", flat=True)
    assert sorted(per_image) == sorted(ProductImage.objects.values_list("pk", flat=True))  # exactly one each
