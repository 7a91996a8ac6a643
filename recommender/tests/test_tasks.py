"""The Celery tasks, run eagerly (in-process) as the root ``celery_eager`` fixture arranges;
``test_worker.py`` runs them on a real worker."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest

from catalog.models import ProductImage
from catalog.services import product_image_create
from catalog.tests.factories import ProductFactory
from recommender import services, tasks
from recommender.models import ImageEmbedding
from recommender.tasks import product_image_embed_task, query_image_embed_task

pytestmark = pytest.mark.django_db

Status = ProductImage.EmbeddingStatus


def stored_image(fashion_mnist_sample, row: int = 0) -> ProductImage:
    return product_image_create(
        product=ProductFactory.create(),
        file=io.BytesIO(fashion_mnist_sample.png("train", row)),
        name="p.png",
        enqueue=False,
    )


def status_of(image: ProductImage) -> tuple[str, str]:
    return ProductImage.objects.values_list("embedding_status", "embedding_error").get(pk=image.pk)


def test_catalog_images_and_shopper_queries_have_their_own_queues(settings):
    routes = settings.CELERY_TASK_ROUTES

    assert routes[product_image_embed_task.name] == {"queue": "embeddings"}
    assert routes[query_image_embed_task.name] == {"queue": "search"}
    assert product_image_embed_task.name == "recommender.tasks.product_image_embed_task"


@pytest.mark.slow
def test_product_image_embed_task_twice_adds_nothing(fashion_mnist_sample, vgg16_weights):
    image = stored_image(fashion_mnist_sample)

    first = product_image_embed_task.delay(image.pk)
    second = product_image_embed_task.delay(image.pk)

    assert (first.get(), second.get()) == ("embedded", "skipped")
    assert ImageEmbedding.objects.filter(product_image=image).count() == 1
    assert status_of(image) == (Status.EMBEDDED, "")


def test_product_image_embed_task_on_a_damaged_file_records_the_failure(fashion_mnist_sample):
    image = stored_image(fashion_mnist_sample)
    path = Path(image.image.path)
    path.write_bytes(path.read_bytes()[:200])

    result = product_image_embed_task.delay(image.pk)

    assert result.get() == "failed: The image is damaged or incomplete and cannot be read."
    assert status_of(image) == (Status.FAILED, "The image is damaged or incomplete and cannot be read.")


def test_product_image_embed_task_for_a_deleted_image_does_nothing():
    assert product_image_embed_task.delay(987_654).get() == "missing"
    assert ImageEmbedding.objects.count() == 0


@pytest.fixture
def as_on_a_worker():
    """Eager tasks that handle their errors as a worker does (record the failure, run
    on_failure, retry) instead of raising them into the caller."""
    from config.celery_app import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = saved


def test_unexpected_error_is_recorded_on_the_image(fashion_mnist_sample, monkeypatch, as_on_a_worker):
    image = stored_image(fashion_mnist_sample)
    attempts = []

    def broken(*, image_ids):
        attempts.append(image_ids)
        raise RuntimeError("model file is corrupt")

    monkeypatch.setattr(tasks, "product_images_embed", broken)

    result = product_image_embed_task.delay(image.pk)

    assert result.failed()
    assert attempts == [[image.pk]]  # not a transient error: no retry
    assert status_of(image) == (Status.FAILED, "RuntimeError: model file is corrupt")


def test_transient_errors_are_retried_then_recorded(fashion_mnist_sample, monkeypatch, as_on_a_worker):
    image = stored_image(fashion_mnist_sample)
    attempts = []

    def disk_error(*, image_ids):
        attempts.append(image_ids)
        raise OSError("No space left on device")

    monkeypatch.setattr(tasks, "product_images_embed", disk_error)

    result = product_image_embed_task.delay(image.pk)  # eager retries do not wait for the backoff

    assert result.failed() and isinstance(result.result, OSError)
    assert len(attempts) == 1 + product_image_embed_task.max_retries == 6
    assert status_of(image) == (Status.FAILED, "OSError: No space left on device")


def test_transient_error_then_success(fashion_mnist_sample, monkeypatch, as_on_a_worker):
    image = stored_image(fashion_mnist_sample)
    attempts = []

    def flaky(*, image_ids):
        attempts.append(image_ids)
        if len(attempts) == 1:
            raise OSError("Connection reset by peer")
        return services.EmbedReport(embedded=list(image_ids))

    monkeypatch.setattr(tasks, "product_images_embed", flaky)

    assert product_image_embed_task.delay(image.pk).get() == "embedded"
    assert attempts == [[image.pk], [image.pk]]
    assert status_of(image) == (Status.PENDING, "")


@pytest.mark.slow
def test_query_image_embed_task_returns_512_floats(fashion_mnist_sample, sample_embeddings):
    buffer = io.BytesIO()
    fashion_mnist_sample.photo("test", 0).save(buffer, format="PNG")

    answer = query_image_embed_task.delay(base64.b64encode(buffer.getvalue()).decode("ascii")).get()

    values = answer["vector"]
    assert isinstance(values, list) and len(values) == 512 and all(isinstance(v, float) for v in values)
    assert float(np.asarray(values, dtype=np.float32) @ sample_embeddings.test[0]) == pytest.approx(1.0, abs=1e-4)
