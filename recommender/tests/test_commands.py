from __future__ import annotations

import io
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog import fashion_mnist as fm
from catalog.models import ProductImage
from catalog.services import product_image_create
from catalog.tests.factories import ProductFactory
from recommender import customer_photos, embedder
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
            product=ProductFactory.create(),
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

    sent: list[int] = []
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


@pytest.mark.slow
def test_evaluate_recommender_reports_customer_photos(sample_catalog, fashion_mnist_sample, tmp_path):
    import json

    from catalog.tests.test_commands import write_idx
    from recommender.services import category_classifier_train

    for (split, kind), name in fm.FILES.items():
        write_idx(tmp_path / name, getattr(fashion_mnist_sample, f"{split}_{kind}"))
    category_classifier_train()
    output = tmp_path / "report" / "evaluation.json"

    out = run(
        "evaluate_recommender",
        queries=20,
        known_products=8,
        two_product_photos=4,
        lofo_views=1,
        data_dir=tmp_path,
        output=output,
    )

    report = json.loads(output.read_text())
    assert list(report["sets"]) == ["clean", *customer_photos.FAMILIES, "mixed"]
    for row in report["sets"].values():
        assert row["queries"] == 20  # 2 per category, test images below 9000
        assert 0 <= row["accuracy"] <= 1 and 0 <= row["precision_at_10"] <= 1 and 0 <= row["ece"] <= 1
    assert report["known_product"]["queries"] == 8 and 0 <= report["known_product"]["recall_at_10"] <= 1
    assert report["two_products"] == {"photos": 4, "boxes": 8, "accuracy": report["two_products"]["accuracy"]}
    assert set(report["leave_one_family_out"]) == set(customer_photos.FAMILIES)
    assert all(0 <= r["family_held_out"] <= 1 for r in report["leave_one_family_out"].values())
    page = output.with_suffix(".html").read_text()
    assert page.count("data:image/png;base64,") == 3  # per family, confusion matrix, reliability
    assert "Worst failures" in page and "data:image/jpeg;base64," in page
    assert "mixed: accuracy" in out and "held out of training" in out
    table = output.with_suffix(".md").read_text()
    assert table.startswith("| set | accuracy |") and table.count("\n| mixed | ") == 1 and "recall@1" in table
