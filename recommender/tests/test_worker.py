"""End-to-end with a real Celery worker process, PostgreSQL and a Redis broker.

Run with, e.g.::

    DATABASE_URL=$(scripts/pgvector_server.sh url) CELERY_BROKER_URL=redis://127.0.0.1:6379/15 .venv/bin/pytest

How it works (nothing has to be started by hand):

* The module fixture ``worker`` spawns ``celery -A config worker --pool solo`` as a
  subprocess, pointed at *this test run's* database (pytest-django's ``test_<name>``, read
  from ``connection.settings_dict`` after it is created), the same broker, and the same
  temporary MEDIA_ROOT, and stops it when the module is done (before the test database is
  dropped).
* The worker consumes a queue unique to this run (``task_routes`` are overridden in this
  process for the module), so a developer's own ``make worker`` on the same Redis cannot
  take these tasks, nor these tests take its tasks.
* Tests use ``transaction=True``: rows are committed, so the worker can see them, and
  ``transaction.on_commit`` enqueues really fire.

Skipped unless ``CELERY_BROKER_URL`` is set and the database is PostgreSQL (a worker cannot
see an in-memory SQLite test database). Needs the VGG16 weights (see ``vgg16_weights``).
"""

from __future__ import annotations

import io
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from catalog.models import ProductImage
from catalog.services import product_image_create
from catalog.tests.factories import ProductFactory
from recommender import embedder
from recommender.models import ImageEmbedding
from recommender.services import QUERY_PHOTO_SIDE, query_image_embed
from recommender.tasks import product_image_embed_task

from .worker_process import routed_to, worker_start, worker_stop

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

WAIT_SECONDS = 90  # the first task loads TensorFlow and VGG16 in the worker
Status = ProductImage.EmbeddingStatus


@pytest.fixture(scope="module")
def worker_media(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("worker-media")


@pytest.fixture(autouse=True)
def _media_root(settings, worker_media: Path) -> Path:
    """Overrides the root conftest's per-test MEDIA_ROOT: the worker must read the same files."""
    settings.MEDIA_ROOT = worker_media
    return worker_media


@pytest.fixture(scope="module")
def worker(django_db_setup, django_db_blocker, vgg16_weights, worker_media, tmp_path_factory):
    """A real Celery worker process on this run's test database and its own queue."""
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot share an SQLite test database")
    queue = f"embeddings-test-{uuid.uuid4().hex[:8]}"
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with routed_to(queue):
        process = worker_start(queue=queue, media_root=worker_media, log=log)
        try:
            yield process, log
        finally:
            worker_stop(process)


@pytest.fixture
def not_eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False


def wait_for_status(image_ids: list[int], status: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        statuses = dict(ProductImage.objects.filter(pk__in=image_ids).values_list("pk", "embedding_status"))
        if all(statuses.get(pk) == status for pk in image_ids):
            return
        if time.monotonic() > deadline:
            pytest.fail(
                f"images {statuses} not all {status} after {WAIT_SECONDS} s; worker log:\n{log.read_text()[-4000:]}"
            )
        time.sleep(0.25)


def create_image(fashion_mnist_sample, row: int) -> ProductImage:
    # Not inside a transaction: the on_commit enqueue fires as product_image_create returns.
    return product_image_create(
        product=ProductFactory.create(name=f"Sample {row}", slug=f"sample-{row}"),
        file=io.BytesIO(fashion_mnist_sample.png("train", row)),
        name=f"row{row}.png",
    )


def test_worker_embeds_a_saved_image_exactly_once(worker, not_eager, fashion_mnist_sample):
    _, log = worker

    image = create_image(fashion_mnist_sample, row=6)
    wait_for_status([image.pk], Status.EMBEDDED, log)

    embedding = ImageEmbedding.objects.get()
    assert (embedding.product_image_id, embedding.product_id) == (image.pk, image.product_id)
    assert embedding.model_version == embedder.model_version()
    expected = embedder.embed_photos([fashion_mnist_sample.photo("train", 6)], batch_size=1)[0][0]
    assert float(embedding.vector @ expected) == pytest.approx(1.0, abs=1e-4)

    # Enqueued again (a duplicate message, a retry from the admin): nothing is added.
    assert product_image_embed_task.delay(image.pk).get(timeout=WAIT_SECONDS) == "skipped"
    assert ImageEmbedding.objects.count() == 1
    assert ProductImage.objects.get(pk=image.pk).embedding_status == Status.EMBEDDED


def test_worker_marks_a_damaged_file_failed(worker, not_eager, fashion_mnist_sample):
    _, log = worker
    image = product_image_create(
        product=ProductFactory.create(),
        file=io.BytesIO(fashion_mnist_sample.png("train", 7)),
        name="bad.png",
        enqueue=False,
    )
    path = Path(image.image.path)
    path.write_bytes(path.read_bytes()[:300])

    result = product_image_embed_task.delay(image.pk)

    assert result.get(timeout=WAIT_SECONDS) == "failed: The image is damaged or incomplete and cannot be read."
    status, error = ProductImage.objects.values_list("embedding_status", "embedding_error").get(pk=image.pk)
    assert (status, error) == (Status.FAILED, "The image is damaged or incomplete and cannot be read.")
    assert ImageEmbedding.objects.count() == 0


def test_find_by_photo_through_the_worker(worker, not_eager, fashion_mnist_sample):
    _, log = worker
    images = [create_image(fashion_mnist_sample, row) for row in (0, 6, 8)]  # ankle boot, sneaker, sandal
    wait_for_status([i.pk for i in images], Status.EMBEDDED, log)

    # The web process sends the photo to the worker and waits for the vector.
    query = fashion_mnist_sample.photo("train", 6)
    vector = query_image_embed(image=query).vector
    thumbnail = query.copy()
    thumbnail.thumbnail((QUERY_PHOTO_SIDE, QUERY_PHOTO_SIDE), Image.Resampling.LANCZOS)
    expected = embedder.embed_photos([thumbnail], batch_size=1)[0][0]
    assert vector.shape == (512,)
    assert float(vector @ expected) == pytest.approx(1.0, abs=1e-4)

    response = APIClient().post(
        reverse("api:image-search"),
        {"image": SimpleUploadedFile("q.png", fashion_mnist_sample.png("train", 6)), "category": "all"},
        format="multipart",
    )

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["product"]["slug"] for row in results][0] == "sample-6"
    assert results[0]["similarity"] > 0.99
    assert len(results) == 3
