"""Staff in Django admin: photos added or replaced there go through the upload pipeline (and
are embedded); a failed embedding shows its reason and can be retried."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image

from catalog.models import Category, Product, ProductImage
from catalog.services import product_image_create
from catalog.tests.factories import CategoryFactory, ProductFactory
from catalog.tests.image_files import BAD_UPLOADS, photo
from catalog.tests.sample import FashionMnistSample, load_sample, sha256
from recommender import embedder
from recommender.models import ImageEmbedding
from recommender.services import image_search, product_images_embed

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db  # the tests that run the embedder are marked slow (conftest.py)

Status = ProductImage.EmbeddingStatus
DAMAGED = "The image is damaged or incomplete and cannot be read."


def test_failed_image_shows_its_reason_and_the_retry_action_embeds_it(
    staff_client, fashion_mnist_sample, vgg16_weights, django_capture_on_commit_callbacks
):
    image = product_image_create(
        product=ProductFactory.create(), file=_png(fashion_mnist_sample, 3), name="boot.png", enqueue=False
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


# --- Every photo added or replaced in the admin goes through the upload pipeline ---------------


def test_staff_add_a_product_with_a_photo_and_it_is_findable_by_photo(
    staff_client, fashion_mnist_sample, vgg16_weights, media_files, django_capture_on_commit_callbacks
):
    sneakers = fashion_mnist_sample.rows("train", "sneaker")
    others = [
        sneakers[1],
        fashion_mnist_sample.rows("train", "sandal")[0],
        fashion_mnist_sample.rows("train", "bag")[0],
    ]
    with django_capture_on_commit_callbacks(execute=True):  # a small catalog, embedded for real
        for row in others:
            product_image_create(
                product=ProductFactory.create(), file=_png(fashion_mnist_sample, row), name=f"{row}.png"
            )
    category = CategoryFactory.create(name="Sneaker", slug="sneaker")
    upload = fashion_mnist_sample.png("train", sneakers[0])

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:catalog_product_add"),
            _product_form(category=category, sku="ADM-1", photos=[_row(_file("sneaker.png", upload))]),
        )

    product = Product.objects.get(sku="ADM-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:catalog_product_changelist")
    image = product.images.get()
    now = timezone.now()
    assert image.image.name == f"products/{now:%Y}/{now:%m}/sneaker.png"
    assert image.sha256 == sha256(upload)
    assert (image.width, image.height, image.position) == (224, 224, 0)
    assert (image.embedding_status, image.embedding_error) == (Status.EMBEDDED, "")
    with image.image.open("rb") as stored, Image.open(stored) as decoded:  # re-encoded, same pixels
        assert decoded.format == "PNG"
        assert np.array_equal(
            np.asarray(decoded.convert("RGB")), np.asarray(fashion_mnist_sample.photo("train", sneakers[0]))
        )
    assert len([f for f in media_files() if f.startswith("CACHE/")]) == 4 * 3  # thumbnails made at upload
    assert ImageEmbedding.objects.filter(product_image=image).count() == 1

    found = image_search(file=io.BytesIO(upload), name="query.png", category="all")
    assert found.results[0].product == product
    assert found.results[0].similarity == pytest.approx(1.0, abs=1e-4)
    assert len(found.results) == 4


def test_staff_replace_a_photo_and_it_is_embedded_again(
    staff_client, fashion_mnist_sample, vgg16_weights, media_files, django_capture_on_commit_callbacks
):
    sneaker = fashion_mnist_sample.rows("train", "sneaker")[0]
    boot, other_boot = fashion_mnist_sample.rows("train", "ankle-boot")[:2]
    product = ProductFactory.create()
    with django_capture_on_commit_callbacks(execute=True):
        image = product_image_create(product=product, file=_png(fashion_mnist_sample, sneaker), name="sneaker.png")
        # Another boot, so the search has a close second to choose from.
        product_image_create(
            product=ProductFactory.create(), file=_png(fashion_mnist_sample, other_boot), name="other.png"
        )
    old_vector = ImageEmbedding.objects.get(product_image=image).vector
    old_files = {image.image.name, image.thumb.name, image.card.name, image.large.name}
    assert old_files <= set(media_files())
    upload = fashion_mnist_sample.png("train", boot)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:catalog_product_change", args=[product.pk]),
            _product_form(product=product, photos=[_row(_file("boot.png", upload), image=image, position=2)]),
        )

    assert response.status_code == 302
    image.refresh_from_db()
    assert image.sha256 == sha256(upload)
    assert (image.width, image.height, image.position) == (224, 224, 2)
    assert image.image.name is not None
    assert image.image.name.endswith("/boot.png")
    assert (image.embedding_status, image.embedding_error) == (Status.EMBEDDED, "")
    new_files = {image.image.name, image.thumb.name, image.card.name, image.large.name}
    assert new_files <= set(media_files())
    assert old_files.isdisjoint(media_files())  # the old file and its thumbnails are gone
    assert len(media_files()) == 8  # these 4 and the other product's 4
    vectors = list(ImageEmbedding.objects.filter(product_image=image).values_list("vector", flat=True))
    assert len(vectors) == 1
    assert float(np.dot(vectors[0], old_vector)) < 0.99  # a new vector, of the new photo
    found = image_search(file=io.BytesIO(upload), name="query.png", category="all")
    assert found.results[0].product == product
    assert found.results[0].similarity == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("case", ["truncated_png", "gif", "bomb", "60_megapixels", "not_an_image"])
def test_a_bad_photo_in_the_product_admin_is_refused_and_nothing_is_stored(
    case, staff_client, media_files, django_capture_on_commit_callbacks
):
    bad = BAD_UPLOADS[case]
    category = CategoryFactory.create()

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(
            reverse("admin:catalog_product_add"),
            _product_form(category=category, sku="ADM-1", photos=[_row(_file(bad.name, bad.content()))]),
        )

    assert response.status_code == 200
    assert _errors(response) == [bad.message]
    assert (Product.objects.count(), ProductImage.objects.count()) == (0, 0)
    assert media_files() == []
    assert callbacks == []


def test_a_bad_replacement_photo_leaves_the_stored_one_as_it_was(
    staff_client, media_files, django_capture_on_commit_callbacks
):
    product = ProductFactory.create()
    image = product_image_create(product=product, file=io.BytesIO(photo("PNG", row=4)), name="a.png", enqueue=False)
    before = (media_files(), ProductImage.objects.values_list("image", "sha256", "position").get())
    bad = BAD_UPLOADS["truncated_jpeg"]

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(
            reverse("admin:catalog_product_change", args=[product.pk]),
            _product_form(product=product, photos=[_row(_file(bad.name, bad.content()), image=image, position=3)]),
        )

    assert response.status_code == 200
    assert _errors(response) == [bad.message]
    assert (media_files(), ProductImage.objects.values_list("image", "sha256", "position").get()) == before
    assert callbacks == []


def test_staff_add_a_photo_on_its_own_admin_page_through_the_pipeline(
    staff_client, media_files, monkeypatch, django_capture_on_commit_callbacks
):
    sent = _record_embedding_tasks(monkeypatch)
    product = ProductFactory.create()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    buffer = io.BytesIO()
    load_sample().photo("train", 7).save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
    upload = buffer.getvalue()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:catalog_productimage_add"),
            {"product": product.pk, "image": _file("front.jpeg", upload), "position": "1"},
        )

    image = ProductImage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:catalog_productimage_changelist")
    assert image.product == product
    assert image.sha256 == sha256(upload)
    assert (image.width, image.height, image.position, image.embedding_status) == (224, 224, 1, Status.PENDING)
    assert image.image.name is not None
    assert image.image.name.endswith("/front.jpg")
    with image.image.open("rb") as stored, Image.open(stored) as decoded:
        assert decoded.format == "JPEG" and not decoded.getexif()  # re-encoded: no metadata
    assert sorted(media_files()) == sorted([image.image.name, image.thumb.name, image.card.name, image.large.name])
    assert sent == [image.pk]  # enqueued for embedding once the admin's transaction committed
    assert LogEntry.objects.values_list("object_id", "action_flag").get() == (str(image.pk), ADDITION)


def test_staff_replace_a_photo_on_its_own_admin_page(
    staff_client, media_files, monkeypatch, django_capture_on_commit_callbacks
):
    product = ProductFactory.create()
    image = product_image_create(product=product, file=io.BytesIO(photo("PNG", row=1)), name="a.png")
    ImageEmbedding.objects.create(
        product_image=image, product=product, model_version=embedder.model_version(), vector=np.ones(512) / np.sqrt(512)
    )
    ProductImage.objects.filter(pk=image.pk).update(embedding_status=Status.EMBEDDED)
    old_files = set(media_files())
    sent = _record_embedding_tasks(monkeypatch)
    upload = photo("WEBP", row=2)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:catalog_productimage_change", args=[image.pk]),
            {"image": _file("b.webp", upload), "position": "0"},
        )

    assert response.status_code == 302
    image.refresh_from_db()
    assert image.sha256 == sha256(upload)
    assert image.image.name is not None
    assert image.image.name.endswith("/b.webp")
    assert image.embedding_status == Status.PENDING
    assert ImageEmbedding.objects.filter(product_image=image).count() == 0  # the old photo's vector is gone
    assert sent == [image.pk]
    assert old_files.isdisjoint(media_files())
    assert len(media_files()) == 4


def test_a_bad_photo_on_its_own_admin_page_is_refused(staff_client, media_files):
    product = ProductFactory.create()
    bad = BAD_UPLOADS["truncated_png"]

    response = staff_client.post(
        reverse("admin:catalog_productimage_add"),
        {"product": product.pk, "image": _file(bad.name, bad.content()), "position": "0"},
    )

    assert response.status_code == 200
    assert _errors(response) == [bad.message]
    assert ProductImage.objects.count() == 0
    assert media_files() == []


def test_what_the_pipeline_sets_is_read_only_in_the_admin(staff_client):
    image = product_image_create(
        product=ProductFactory.create(), file=io.BytesIO(photo("PNG", row=0)), name="a.png", enqueue=False
    )

    page = staff_client.get(reverse("admin:catalog_productimage_change", args=[image.pk]))
    inline = staff_client.get(reverse("admin:catalog_product_change", args=[image.product_id]))

    assert list(page.context["adminform"].form.fields) == ["image", "position"]  # product: read-only once stored
    assert image.sha256 in page.content.decode()  # shown, not editable
    row = inline.context["inline_admin_formsets"][0].formset.forms[0]
    assert sorted(row.fields) == ["DELETE", "id", "image", "position", "product"]  # id and product: hidden
    assert page.context["adminform"].form.fields["image"].help_text.startswith("JPEG, PNG or WebP, up to 10 MB")


def _product_form(
    *,
    photos: list[dict],
    product: Product | None = None,
    category: Category | None = None,
    sku: str = "",
) -> dict:
    """The product admin form as the browser posts it: ``product``'s values (or a new sneaker
    in ``category``), with the photo inline's rows (see ``_row``)."""
    if product is None:
        product = Product(
            category=category,
            name="Sneaker from the admin",
            slug="sneaker-from-the-admin",
            sku=sku,
            price="49.90",
            stock=3,
        )
    created = timezone.localtime(product.created_at)
    data = {
        "category": str(product.category_id),
        "seller": str(product.seller_id or ""),
        "name": product.name,
        "slug": product.slug,
        "sku": product.sku,
        "description": product.description,
        "price": str(product.price),
        "stock": str(product.stock),
        "is_active": "on",
        "created_at_0": created.strftime("%Y-%m-%d"),
        "created_at_1": created.strftime("%H:%M:%S"),
        "images-TOTAL_FORMS": str(len(photos)),
        "images-INITIAL_FORMS": str(sum(1 for row in photos if "id" in row)),
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(photos):
        data.update({f"images-{index}-{key}": value for key, value in row.items()})
    return data


def _file(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def _row(file: SimpleUploadedFile, *, image: ProductImage | None = None, position: int = 0) -> dict:
    """One row of the photo inline: a new photo, or (``image``) a stored one whose file is replaced."""
    row = {"image": file, "position": str(position)}
    if image is not None:
        row.update({"id": str(image.pk), "product": str(image.product_id)})
    return row


def _errors(response: TestResponse) -> list[str]:
    """The field errors on the admin page (its form and the photo inline's rows), each also
    checked to be shown on the page."""
    context = response.context
    forms = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        forms.extend(inline.formset.forms)
    messages = [message for form in forms for errors in form.errors.values() for message in errors]
    html = response.content.decode()
    assert all(escape(message) in html for message in messages)
    return messages


def _record_embedding_tasks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from recommender import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.product_image_embed_task, "delay", lambda image_id: sent.append(image_id))
    return sent


def _png(sample: FashionMnistSample, row: int) -> io.BytesIO:
    return io.BytesIO(sample.png("train", row))


def _photo_with_thumbnails(product: Product, row: int) -> ProductImage:
    from catalog.tests.factories import ProductImageFactory

    image = ProductImageFactory.create(product=product, sample_row=row)
    for spec in (image.thumb, image.card, image.large):
        spec.generate()  # the resized copies, as product_image_create makes them
    return image


def test_deleting_photos_and_products_in_the_admin_deletes_their_files(
    staff_client, media_files, django_capture_on_commit_callbacks
):
    """Security review L1: nothing the admin deletes stays public under /media/."""
    kept = ProductFactory.create(name="Kept")
    kept_photo = _photo_with_thumbnails(kept, 1)
    kept_files = set(media_files())
    assert len(kept_files) == 4  # the photo and its 3 resized copies

    # One photo, from its own admin page's delete confirmation.
    product = ProductFactory.create(name="Tote")
    photo_page = _photo_with_thumbnails(product, 2)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:catalog_productimage_delete", args=[photo_page.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert set(media_files()) == kept_files

    # One photo, through the service the product page's inline delete box calls.
    inline_photo = _photo_with_thumbnails(product, 3)
    with django_capture_on_commit_callbacks(execute=True):
        inline_photo.refresh_from_db()
        from catalog.services import product_images_delete

        product_images_delete(images=[inline_photo])
    assert set(media_files()) == kept_files

    # Products with their photos, from the changelist's delete action.
    _photo_with_thumbnails(product, 4)
    other = ProductFactory.create(name="Boot")
    _photo_with_thumbnails(other, 5)
    assert len(media_files()) == 12
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:catalog_product_changelist"),
            {"action": "delete_selected", "_selected_action": [product.pk, other.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert set(Product.objects.values_list("name", flat=True)) == {"Kept"}
    assert set(media_files()) == kept_files
    assert ProductImage.objects.get() == kept_photo
