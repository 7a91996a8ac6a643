"""Near-duplicate listings: a seller's photo whose embedding is ≥ 0.97 cosine to another
product's photo is flagged, with the other product, on the dashboard and in admin. Runs the
real VGG16 embedder on real Fashion-MNIST photos."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.models import ProductImage
from catalog.tests.factories import CategoryFactory, seller_create
from sellers.services import seller_product_create

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _jpeg(image: Image.Image, name: str, size: int | None = None) -> SimpleUploadedFile:
    if size:
        image = image.resize((size, size), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_a_relisted_photo_is_flagged_and_a_different_one_is_not(
    vgg16_weights, fashion_mnist_sample, django_capture_on_commit_callbacks, client, admin_client
):
    category = CategoryFactory.create(name="Ankle boot", slug="ankle-boot")
    alice, bob = seller_create("alice@example.com", "Alice"), seller_create("bob@example.com", "Bob")
    rows = fashion_mnist_sample.rows("train", "ankle-boot")
    original = fashion_mnist_sample.photo("train", rows[0])
    with django_capture_on_commit_callbacks(execute=True):  # the embedding task runs on commit
        first = seller_product_create(
            seller=alice, category=category, name="Original boot", sku="A-1", price=Decimal("80"), stock=1,
            images=[_jpeg(original, "boot.jpg")],
        )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        # The same photo again, re-compressed and resized: a relisting of the same product.
        copy = seller_product_create(
            seller=bob, category=category, name="Totally new boot", sku="B-1", price=Decimal("60"), stock=1,
            images=[_jpeg(original, "new.jpg", size=180), _jpeg(fashion_mnist_sample.photo("train", rows[1]), "b.jpg")],
        )  # fmt: skip
    relisted, other = copy.images.order_by("position")
    assert (relisted.embedding_status, other.embedding_status) == ("embedded", "embedded")
    assert relisted.duplicate_of_id == first.pk
    assert relisted.duplicate_similarity is not None and relisted.duplicate_similarity >= 0.97
    assert other.duplicate_of_id is None  # another boot, not the same photo
    first_image = ProductImage.objects.get(product=first)
    assert first_image.duplicate_of_id is None  # checked when it was uploaded: nothing like it then

    client.force_login(bob.user)
    page = client.get(reverse("sellers:dashboard")).content.decode()
    assert "Possible duplicate listing: looks like" in page and f'href="{first.get_absolute_url()}"' in page
    admin_page = admin_client.get(
        reverse("admin:catalog_productimage_changelist") + "?duplicate_of__isempty=0"
    ).content.decode()
    assert "Original boot</a> (" in admin_page and "Totally new boot" in admin_page
