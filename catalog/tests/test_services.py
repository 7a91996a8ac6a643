from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from catalog.exceptions import InvalidImage
from catalog.models import Category, Product, ProductImage
from catalog.services import category_get_or_create, product_create, product_image_create, product_image_replace

from .factories import CategoryFactory, ProductFactory
from .image_files import BAD_UPLOADS, mpo_photo, photo
from .sample import load_sample

pytestmark = pytest.mark.django_db


def test_category_get_or_create_creates_then_returns_the_same_row():
    first = category_get_or_create(name="Ankle boot", position=9)
    second = category_get_or_create(name="Ankle boot", position=3)

    assert first.pk == second.pk
    assert (second.name, second.slug, second.position) == ("Ankle boot", "ankle-boot", 9)
    assert Category.objects.count() == 1


def test_category_get_or_create_with_explicit_slug():
    category = category_get_or_create(name="T-shirt/top", slug="t-shirt-top")

    assert category.slug == "t-shirt-top"
    assert category.get_absolute_url() == "/c/t-shirt-top/"  # the public URL itself


def test_product_create_slugifies_the_name_and_keeps_decimal_price():
    category = CategoryFactory.create()

    product = product_create(
        category=category, name="Sneaker FM-000006", sku="FM-000006", price=Decimal("59.99"), stock=3
    )

    product.refresh_from_db()
    assert product.slug == "sneaker-fm-000006"
    assert product.price == Decimal("59.99")
    assert (product.stock, product.is_active, product.in_stock) == (3, True, True)
    assert product.get_absolute_url() == "/p/sneaker-fm-000006/"  # the public URL itself


def test_product_create_refuses_a_negative_price():
    with pytest.raises(ValidationError) as excinfo:
        product_create(category=CategoryFactory.create(), name="Bag", sku="B-1", price=Decimal("-0.01"))

    assert "price" in excinfo.value.message_dict
    assert Product.objects.count() == 0


def test_product_create_refuses_a_duplicate_sku():
    existing = ProductFactory.create(sku="FM-000001")

    with pytest.raises(ValidationError) as excinfo:
        product_create(category=existing.category, name="Other", sku="FM-000001", price=Decimal("1.00"))

    assert list(excinfo.value.message_dict) == ["sku"]
    assert Product.objects.count() == 1


def test_product_image_create_stores_the_file_with_its_hash_and_size(settings):
    product = ProductFactory.create()
    data = photo("JPEG", row=3)

    image = product_image_create(product=product, file=io.BytesIO(data), name="boot.jpg", position=2, enqueue=False)

    image.refresh_from_db()
    now = timezone.now()
    assert image.image.name == f"products/{now:%Y}/{now:%m}/boot.jpg"
    stored = Path(settings.MEDIA_ROOT, image.image.name).read_bytes()
    assert stored != data  # re-encoded from the decoded pixels, not copied
    with Image.open(io.BytesIO(stored)) as stored_image, Image.open(io.BytesIO(data)) as sent_image:
        assert stored_image.format == "JPEG" and stored_image.size == (224, 224)
        difference = np.abs(
            np.asarray(stored_image, dtype=np.int16) - np.asarray(sent_image.convert("RGB"), dtype=np.int16)
        )
        assert difference.mean() < 2.0  # quality 90: visually the same photo
    assert image.sha256 == hashlib.sha256(data).hexdigest()  # of the upload as sent
    assert (image.width, image.height, image.position) == (224, 224, 2)
    assert image.embedding_status == ProductImage.EmbeddingStatus.PENDING
    assert product.primary_image == image


@pytest.mark.parametrize(
    ("content", "sent_as", "stored_as", "stored_format"),
    [
        (lambda: photo("PNG", row=4), "boot.jpg", "boot.png", "PNG"),  # a messaging app's rename
        (lambda: mpo_photo(row=4), "IMG_0042.JPG", "IMG_0042.jpg", "JPEG"),  # a phone's multi-picture JPEG
    ],
)
def test_product_image_create_accepts_a_photo_by_its_content_and_stores_its_real_format(
    settings, content, sent_as, stored_as, stored_format
):
    product = ProductFactory.create()

    image = product_image_create(product=product, file=io.BytesIO(content()), name=sent_as, enqueue=False)

    image.refresh_from_db()
    now = timezone.now()
    assert image.image.name == f"products/{now:%Y}/{now:%m}/{stored_as}"
    with Image.open(Path(settings.MEDIA_ROOT, image.image.name)) as stored:
        assert stored.format == stored_format
        assert (stored.size, getattr(stored, "n_frames", 1)) == ((224, 224), 1)
    assert (image.width, image.height) == (224, 224)


def test_product_image_create_enqueues_embedding_only_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    sent: list[int] = []
    from recommender import tasks

    monkeypatch.setattr(tasks.product_image_embed_task, "delay", lambda image_id: sent.append(image_id))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        image = product_image_create(product=ProductFactory.create(), file=io.BytesIO(photo("PNG")), name="a.png")
        assert sent == []  # nothing is sent while the transaction is open

    assert len(callbacks) == 1
    assert sent == [image.pk]


def test_product_image_create_without_enqueue_registers_no_callback(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        product_image_create(
            product=ProductFactory.create(), file=io.BytesIO(photo("PNG")), name="a.png", enqueue=False
        )

    assert callbacks == []


@pytest.mark.parametrize("case", ["not_an_image", "truncated_png", "60_megapixels", "bomb", "gif", "over_10_mb"])
def test_product_image_create_writes_nothing_for_a_bad_file(case, media_files, django_capture_on_commit_callbacks):
    bad = BAD_UPLOADS[case]
    product = ProductFactory.create()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(InvalidImage) as excinfo:
        product_image_create(product=product, file=io.BytesIO(bad.content()), name=bad.name)

    assert str(excinfo.value) == bad.message
    assert ProductImage.objects.count() == 0
    assert media_files() == []
    assert callbacks == []


def test_stored_photos_lose_metadata_and_are_capped_in_size(settings):
    product = ProductFactory.create()
    big = load_sample().photo("train", 5).resize((3000, 2000))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0132] = "2026:11:22 10:00:00"  # DateTime
    buffer = io.BytesIO()
    big.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
    image = product_image_create(product=product, file=io.BytesIO(buffer.getvalue()), name="big.jpeg", enqueue=False)
    assert image.image.name is not None
    with Image.open(Path(settings.MEDIA_ROOT, image.image.name)) as stored:
        assert stored.size == (2048, 1365) == (image.width, image.height)
        assert not stored.getexif() and "exif" not in stored.info
    assert image.image.name.endswith("/big.jpg")


def test_png_photos_stay_lossless(settings):
    product = ProductFactory.create()
    data = photo("PNG", row=2)
    image = product_image_create(product=product, file=io.BytesIO(data), name="shirt.png", enqueue=False)
    assert image.image.name is not None
    with Image.open(Path(settings.MEDIA_ROOT, image.image.name)) as stored, Image.open(io.BytesIO(data)) as sent:
        assert stored.format == "PNG"
        assert np.array_equal(np.asarray(stored.convert("RGB")), np.asarray(sent.convert("RGB")))


def test_thumbnails_are_made_at_upload(media_files):
    image = product_image_create(
        product=ProductFactory.create(), file=io.BytesIO(photo("PNG", row=1)), name="tee.png", enqueue=False
    )
    thumbnails = [f for f in media_files() if f.startswith("CACHE/")]
    assert len(thumbnails) == 3 and all(f.endswith(".webp") for f in thumbnails)
    sizes = {}
    for spec in ("thumb", "card", "large"):
        with Image.open(getattr(image, spec).file) as im:
            sizes[spec] = im.size
    assert sizes == {"thumb": (96, 96), "card": (224, 224), "large": (224, 224)}  # never enlarged


def test_product_image_replace_stores_the_new_photo_and_embeds_it_again(
    media_files, monkeypatch, django_capture_on_commit_callbacks
):
    from recommender import embedder, tasks
    from recommender.models import ImageEmbedding
    from recommender.tests.vectors import E0

    sent: list[int] = []
    monkeypatch.setattr(tasks.product_image_embed_task, "delay", lambda image_id: sent.append(image_id))
    product, other = ProductFactory.create(), ProductFactory.create()
    image = product_image_create(product=product, file=io.BytesIO(photo("PNG", row=1)), name="old.png", enqueue=False)
    for version in (embedder.model_version(), "an-older-model"):
        ImageEmbedding.objects.create(product_image=image, product=product, model_version=version, vector=E0)
    ProductImage.objects.filter(pk=image.pk).update(
        embedding_status=ProductImage.EmbeddingStatus.EMBEDDED, duplicate_of=other, duplicate_similarity=0.97
    )
    old_files = [image.image.name, image.thumb.name, image.card.name, image.large.name]
    data = photo("JPEG", row=5)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        replaced = product_image_replace(product_image=image, file=io.BytesIO(data), name="new.jpeg")
        assert set(old_files) <= set(media_files())  # kept until the transaction commits

    assert len(callbacks) == 2  # the old files' deletion, then the embedding task
    assert replaced.pk == image.pk
    row = ProductImage.objects.get()
    assert row.image.name is not None
    assert row.image.name == replaced.image.name and row.image.name.endswith("/new.jpg")
    assert (row.sha256, row.width, row.height, row.position) == (hashlib.sha256(data).hexdigest(), 224, 224, 0)
    assert (row.embedding_status, row.duplicate_of, row.duplicate_similarity) == ("pending", None, None)
    assert list(ImageEmbedding.objects.values_list("model_version", flat=True)) == ["an-older-model"]
    assert sent == [image.pk]
    assert media_files() == sorted([row.image.name, row.thumb.name, row.card.name, row.large.name])
    with Image.open(row.image.path) as stored:
        assert stored.format == "JPEG"


@pytest.mark.parametrize("case", ["truncated_jpeg", "bomb", "gif", "over_10_mb"])
def test_product_image_replace_writes_nothing_for_a_bad_file(case, media_files, django_capture_on_commit_callbacks):
    bad = BAD_UPLOADS[case]
    image = product_image_create(
        product=ProductFactory.create(), file=io.BytesIO(photo("PNG", row=1)), name="old.png", enqueue=False
    )
    before = (media_files(), ProductImage.objects.values().get())

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(InvalidImage) as excinfo:
        product_image_replace(product_image=image, file=io.BytesIO(bad.content()), name=bad.name)

    assert str(excinfo.value) == bad.message
    assert (media_files(), ProductImage.objects.values().get()) == before
    assert callbacks == []
