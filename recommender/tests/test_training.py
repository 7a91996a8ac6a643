"""Training for photos as shoppers take them: calibration maths, customer-style views, the
invariance projection and ``train_recommender`` on the real sample catalog."""

from __future__ import annotations

import numpy as np
import pytest

from catalog.models import Category, ProductImage
from recommender import customer_photos, embedder, training
from recommender.models import CategoryClassifier, ImageEmbedding
from recommender.selectors import categories_to_search, category_predictions
from recommender.services import image_search_by_vector, recommender_train


def test_expected_calibration_error():
    # Right 80 % of the time at 80 % confidence: perfectly calibrated.
    assert training.expected_calibration_error(np.full(10, 0.8), np.array([1] * 8 + [0] * 2, bool)) == 0.0
    # Always wrong at 100 %: as badly calibrated as can be.
    assert training.expected_calibration_error(np.ones(5), np.zeros(5, bool)) == 1.0
    # Two bins: 0.9 confident and right half the time, 0.3 confident and never right.
    p = np.array([0.9, 0.9, 0.3, 0.3])
    assert training.expected_calibration_error(p, np.array([1, 0, 0, 0], bool)) == pytest.approx(0.5 * 0.4 + 0.5 * 0.3)


def test_fit_temperature_undoes_overconfidence():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 4000)
    # Calibrated logits: sample the label from softmax(logits).
    logits = rng.normal(0, 2, (4000, 5))
    p = training.softmax(logits)
    labels = np.array([rng.choice(5, p=row) for row in p])

    assert training.fit_temperature(logits * 3.0, labels) == pytest.approx(3.0, rel=0.1)
    assert training.fit_temperature(logits, labels) == pytest.approx(1.0, rel=0.1)


@pytest.mark.slow
def test_views_are_embedded_like_queries_and_remember_their_families(fashion_mnist_sample, vgg16_weights):
    photos = [fashion_mnist_sample.photo("train", row) for row in range(4)]

    views = training.views_embed(
        photos=photos, labels=[10, 11, 12, 13], products=[1, 2, 3, 4], views_per_photo=2, seed=3
    )
    again = training.views_embed(
        photos=photos, labels=[10, 11, 12, 13], products=[1, 2, 3, 4], views_per_photo=2, seed=3
    )

    assert views.vectors.shape == (8, 512) and views.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(views.vectors, axis=1), 1.0, atol=1e-5)
    assert views.products.tolist() == [1, 2, 3, 4, 1, 2, 3, 4] and views.labels.tolist() == [10, 11, 12, 13] * 2
    assert views.families.shape == (8, len(customer_photos.FAMILIES)) and (views.families.sum(axis=1) >= 2).all()
    assert np.allclose(views.vectors, again.vectors, atol=1e-5)  # deterministic in the seed
    assert len(views.without("mirror").labels) == int((~views.families[:, 7]).sum())


def test_unsure_predictions_search_several_categories(settings):
    from recommender.selectors import CategoryPrediction

    settings.PHOTO_SEARCH_CONFIDENCE, settings.PHOTO_SEARCH_COVERAGE, settings.PHOTO_SEARCH_MAX_CATEGORIES = (
        0.75,
        0.9,
        3,
    )
    # unsaved: equal only to themselves, which is all the ranking compares
    boot, sneaker, sandal, bag = (Category(name=f"c{i}") for i in range(4))

    def preds(*ps):
        return [
            CategoryPrediction(category=c, probability=p) for c, p in zip((boot, sneaker, sandal, bag), ps, strict=True)
        ]

    assert [p.category for p in categories_to_search(preds(0.8, 0.1, 0.05, 0.05))] == [boot]
    assert [p.category for p in categories_to_search(preds(0.6, 0.35, 0.03, 0.02))] == [boot, sneaker]
    assert [p.category for p in categories_to_search(preds(0.4, 0.3, 0.15, 0.15))] == [boot, sneaker, sandal]
    assert categories_to_search([]) == []


@pytest.mark.slow
def test_train_recommender_learns_a_projection_and_moves_the_catalog_to_it(
    sample_catalog, fashion_mnist_sample, settings, tmp_path
):
    settings.EMBEDDING_PROJECTION = str(tmp_path / "projection.npz")
    backbone = embedder.model_version()
    assert "+proj" not in backbone

    report = recommender_train(views_per_product=1, epochs=2)

    version = embedder.model_version()
    assert (tmp_path / "projection.npz").is_file()
    assert version.startswith(f"{backbone}+proj") and report.model_version == version
    assert report.backbone_version == backbone and report.backbone_embedded == 0  # the sample was embedded
    images = ProductImage.objects.count()
    assert report.projected == images == 120 and report.views == 120
    assert ImageEmbedding.objects.filter(model_version=version).count() == images
    assert ImageEmbedding.objects.filter(model_version=backbone).count() == images  # kept for retraining
    assert set(ProductImage.objects.values_list("embedding_status", flat=True)) == {"embedded"}
    classifier = CategoryClassifier.objects.get(is_active=True)
    assert classifier.model_version == version and classifier.metrics["views_per_product"] == 1
    # Stored vectors are the projection of the backbone's, and a new photo embeds the same way.
    row = ImageEmbedding.objects.filter(model_version=version).order_by("id").first()
    assert row is not None
    stored_backbone = ImageEmbedding.objects.get(product_image=row.product_image, model_version=backbone).vector
    assert float(row.vector @ embedder.project(stored_backbone[None, :])[0]) == pytest.approx(1.0, abs=1e-5)
    query = fashion_mnist_sample.photo("test", 0)  # an ankle boot
    vector = embedder.embed_photos([query], batch_size=1)[0][0]
    result = image_search_by_vector(vector=vector)
    assert result.predicted is not None and category_predictions(vector=vector)[0] == result.predicted
    assert result.results and result.searched

    # Training again replaces the projection: the older projected vectors go.
    recommender_train(views_per_product=1, epochs=1, seed=1)
    newer = embedder.model_version()
    assert newer != version
    assert set(ImageEmbedding.objects.values_list("model_version", flat=True)) == {backbone, newer}
