"""Staff in Django admin: a failed embedding shows its reason and can be retried."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import User
from catalog.models import ProductImage
from catalog.services import product_image_create
from catalog.tests.factories import ProductFactory
from recommender.models import ImageEmbedding
from recommender.services import product_images_embed

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

Status = ProductImage.EmbeddingStatus
DAMAGED = "The image is damaged or incomplete and cannot be read."


@pytest.fixture
def staff_client(client):
    staff = User.objects.create_superuser(email="staff@example.com", password="pw-staff-123")
    client.force_login(staff)
    return client


def test_failed_image_shows_its_reason_and_the_retry_action_embeds_it(
    staff_client, fashion_mnist_sample, vgg16_weights, django_capture_on_commit_callbacks
):
    image = product_image_create(
        product=ProductFactory(), file=_png(fashion_mnist_sample, 3), name="boot.png", enqueue=False
    )
    path = Path(image.image.path)
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])  # the stored file got truncated
    product_images_embed(image_ids=[image.pk])

    changelist = reverse("admin:catalog_productimage_changelist")
    page = staff_client.get(changelist, {"embedding_status__exact": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Failed" in html
    assert DAMAGED[:80] in html
    assert str(image.product) in html

    path.write_bytes(good)  # staff replace the file, then retry from the list
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            changelist, {"action": "retry_embedding", "_selected_action": [image.pk]}, follow=True
        )
    assert response.status_code == 200
    assert "1 image(s) queued for embedding." in response.content.decode()
    assert ProductImage.objects.filter(pk=image.pk).values_list("embedding_status", "embedding_error").get() == (
        Status.EMBEDDED,
        "",
    )
    assert ImageEmbedding.objects.filter(product_image=image).count() == 1


def _png(sample, row: int) -> io.BytesIO:
    return io.BytesIO(sample.png("train", row))
