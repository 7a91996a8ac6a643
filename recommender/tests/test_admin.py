from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import ProductImage
from recommender.models import CategoryClassifier, ImageEmbedding

pytestmark = pytest.mark.django_db


def test_staff_retrain_the_classifier_and_see_its_accuracy(admin_client, sample_catalog):
    page = admin_client.get(reverse("admin:recommender_categoryclassifier_changelist")).content.decode()
    assert "Retrain category classifier" in page
    response = admin_client.post(reverse("admin:recommender_categoryclassifier_retrain"), follow=True)
    classifier = CategoryClassifier.objects.get()
    assert f"Retrained: classifier {classifier.pk}, held-out accuracy {classifier.held_out_accuracy:.1%}." in (
        response.content.decode()
    )
    assert admin_client.get(reverse("admin:recommender_categoryclassifier_retrain")).status_code == 405


def test_retrain_without_a_catalog_says_why(admin_client):
    response = admin_client.post(reverse("admin:recommender_categoryclassifier_retrain"), follow=True)
    assert "Not retrained:" in response.content.decode()
    assert CategoryClassifier.objects.count() == 0


def test_reembed_drops_the_vectors_and_queues_the_images(
    admin_client, sample_catalog, monkeypatch, django_capture_on_commit_callbacks
):
    from recommender import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.product_image_embed_task, "delay", lambda image_id: sent.append(image_id))
    chosen = [image.pk for image in sample_catalog.images[:3]]
    with_vectors = ImageEmbedding.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:catalog_productimage_changelist"),
            {"action": "reembed", "_selected_action": chosen},
            follow=True,
        )
    assert "3 image(s) queued to be embedded again." in response.content.decode()
    assert ImageEmbedding.objects.count() == with_vectors - 3
    assert set(ProductImage.objects.filter(pk__in=chosen).values_list("embedding_status", flat=True)) == {"pending"}
    assert sorted(sent) == sorted(chosen)
