from __future__ import annotations

import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.models import ProductImage
from catalog.services import product_image_create
from catalog.tests.factories import ProductFactory
from recommender import embedder
from recommender.models import CategoryClassifier, ImageEmbedding

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def pending_images(fashion_mnist_sample):
    return [
        product_image_create(
            product=ProductFactory(),
            file=io.BytesIO(fashion_mnist_sample.png("train", row)),
            name="p.png",
            enqueue=False,
        )
        for row in range(4)
    ]


@pytest.mark.slow
def test_embed_images_embeds_pending_and_resumes(pending_images, vgg16_weights, fashion_mnist_sample):
    damaged = Path(pending_images[3].image.path)
    damaged.write_bytes(b"not a png any more")

    first = run("embed_images", batch_size=2)
    second = run("embed_images")

    assert f"Embedding 4 images with {embedder.model_version()}" in first
    assert "Embedded 3 images in" in first and "; 1 failed." in first
    assert ImageEmbedding.objects.count() == 3
    assert second.strip() == f"Nothing to embed: every image has a vector for {embedder.model_version()}."

    damaged.write_bytes(fashion_mnist_sample.png("train", 3))  # repaired
    third = run("embed_images", retry_failed=True)

    assert "Embedded 1 images in" in third and "; 0 failed." in third
    assert ImageEmbedding.objects.count() == 4
    assert set(ProductImage.objects.values_list("embedding_status", flat=True)) == {"embedded"}


def test_embed_images_enqueue_sends_one_task_per_pending_image(
    pending_images, monkeypatch, django_capture_on_commit_callbacks
):
    from recommender import tasks

    sent = []
    monkeypatch.setattr(tasks.product_image_embed_task, "delay", sent.append)

    with django_capture_on_commit_callbacks(execute=True):
        out = run("embed_images", enqueue=True, limit=3)

    assert f"Enqueued 3 images for {embedder.model_version()}." in out
    assert sent == [image.pk for image in pending_images[:3]]


@pytest.mark.slow
def test_train_category_classifier_command(sample_catalog):
    out = run("train_category_classifier", seed=0)

    classifier = CategoryClassifier.objects.get()
    assert f"Trained classifier {classifier.pk} for {embedder.model_version()}: held-out accuracy" in out
    assert "(192 train / 12 test images, 10 categories). Held-out customer-style views: accuracy" in out
    assert f"(temperature {classifier.temperature:.2f})" in out


def test_train_category_classifier_without_data():
    with pytest.raises(CommandError, match="Training needs at least 2 categories"):
        run("train_category_classifier")
