from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
from celery.exceptions import TimeoutError as CeleryTimeoutError
from PIL import Image

from catalog.exceptions import CategoryNotFound, InvalidImage
from catalog.models import ProductImage
from catalog.services import product_image_create
from catalog.tests.factories import CategoryFactory, ProductFactory
from catalog.tests.image_files import photo
from recommender import embedder, services
from recommender.exceptions import QueryExpired, SearchUnavailable
from recommender.isolation import Box
from recommender.models import CategoryClassifier, ImageEmbedding
from recommender.selectors import product_images_pending
from recommender.services import (
    QUERY_PHOTO_SIDE,
    NotEnoughTrainingData,
    category_classifier_train,
    image_search,
    image_search_by_query,
    product_image_embedding_fail,
    product_image_embedding_retry,
    product_images_embed,
    query_image_embed,
    query_image_embed_payload,
    query_vector_recall,
    query_vector_remember,
)

from .vectors import E0

pytestmark = pytest.mark.django_db

Status = ProductImage.EmbeddingStatus
DAMAGED = "The image is damaged or incomplete and cannot be read."


def stored_image(fashion_mnist_sample, row: int = 0, **kwargs) -> ProductImage:
    """A product photo saved through the catalog service, not enqueued."""
    return product_image_create(
        product=ProductFactory.create(),
        file=io.BytesIO(fashion_mnist_sample.png("train", row)),
        name=f"r{row}.png",
        enqueue=False,
        **kwargs,
    )


def status_of(image: ProductImage) -> tuple[str, str]:
    # Not refresh_from_db(): with width/height fields, Django reopens the (maybe missing) file.
    return ProductImage.objects.values_list("embedding_status", "embedding_error").get(pk=image.pk)


def corrupt(image: ProductImage) -> None:
    """Damage the stored file in place, as a bad disk or a half-finished copy would."""
    path = Path(image.image.path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


# --- Embedding catalog images ---------------------------------------------------------------


@pytest.mark.slow
def test_a_saved_product_image_gets_exactly_one_embedding(
    fashion_mnist_sample, sample_embeddings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        image = product_image_create(
            product=ProductFactory.create(), file=io.BytesIO(fashion_mnist_sample.png("train", 5)), name="p.png"
        )

    assert len(callbacks) == 1
    assert status_of(image) == (Status.EMBEDDED, "")
    embedding = ImageEmbedding.objects.get()
    assert embedding.product_image == image
    assert embedding.product == image.product
    assert embedding.model_version == embedder.model_version() == sample_embeddings.model_version
    assert embedding.vector.shape == (512,)
    assert float(np.linalg.norm(embedding.vector)) == pytest.approx(1.0, abs=1e-5)
    # The stored file embeds to the same vector as the photo itself.
    assert float(embedding.vector @ sample_embeddings.train[5]) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.slow
def test_product_images_embed_is_idempotent(fashion_mnist_sample, vgg16_weights):
    image = stored_image(fashion_mnist_sample)

    first = product_images_embed(image_ids=[image.pk])
    vector = ImageEmbedding.objects.get().vector
    second = product_images_embed(image_ids=[image.pk])

    assert (first.embedded, first.skipped, first.failed) == ([image.pk], [], {})
    assert (second.embedded, second.skipped, second.failed) == ([], [image.pk], {})
    assert ImageEmbedding.objects.count() == 1
    assert np.array_equal(ImageEmbedding.objects.get().vector, vector)


@pytest.mark.slow
def test_product_images_embed_batch_goes_on_past_a_damaged_file(fashion_mnist_sample, vgg16_weights):
    good = [stored_image(fashion_mnist_sample, row) for row in (1, 2)]
    bad = stored_image(fashion_mnist_sample, 3)
    corrupt(bad)

    report = product_images_embed(image_ids=[good[0].pk, bad.pk, good[1].pk])

    assert report.embedded == [good[0].pk, good[1].pk]
    assert report.failed == {bad.pk: DAMAGED}
    assert sorted(ImageEmbedding.objects.values_list("product_image_id", flat=True)) == [good[0].pk, good[1].pk]


def test_a_damaged_stored_file_is_marked_failed_with_its_reason(fashion_mnist_sample):
    image = stored_image(fashion_mnist_sample)
    corrupt(image)

    report = product_images_embed(image_ids=[image.pk])

    assert report.failed == {image.pk: DAMAGED}
    assert status_of(image) == (Status.FAILED, DAMAGED)
    assert ImageEmbedding.objects.count() == 0


def test_a_missing_stored_file_is_marked_failed_with_its_reason(fashion_mnist_sample):
    image = stored_image(fashion_mnist_sample)
    Path(image.image.path).unlink()

    report = product_images_embed(image_ids=[image.pk])

    status, error = status_of(image)
    assert status == Status.FAILED
    assert error.startswith("Cannot read the stored file: [Errno 2] No such file or directory")
    assert report.failed == {image.pk: error}


@pytest.mark.slow
def test_a_failed_image_can_be_retried_once_repaired(
    fashion_mnist_sample, vgg16_weights, django_capture_on_commit_callbacks
):
    image = stored_image(fashion_mnist_sample, row=4)
    corrupt(image)
    product_images_embed(image_ids=[image.pk])
    assert status_of(image) == (Status.FAILED, DAMAGED)

    Path(image.image.path).write_bytes(fashion_mnist_sample.png("train", 4))  # staff re-upload the file
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        count = product_image_embedding_retry(image_ids=[image.pk])
        assert status_of(image) == (Status.PENDING, "")  # reset; the task runs after commit

    assert count == 1
    assert len(callbacks) == 1
    assert status_of(image) == (Status.EMBEDDED, "")
    assert ImageEmbedding.objects.filter(product_image=image).count() == 1


def test_retry_skips_images_that_already_have_a_vector(fashion_mnist_sample, django_capture_on_commit_callbacks):
    embedded, failed, pending = (stored_image(fashion_mnist_sample, row) for row in range(3))
    ImageEmbedding.objects.create(
        product_image=embedded,
        product=embedded.product,
        model_version=embedder.model_version(),
        vector=[1.0] + [0.0] * 511,
    )
    ProductImage.objects.filter(pk=embedded.pk).update(embedding_status=Status.EMBEDDED)
    product_image_embedding_fail(image_id=failed.pk, reason="Cannot read the stored file: gone")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        count = product_image_embedding_retry(image_ids=[embedded.pk, failed.pk, pending.pk])

    assert count == 2
    assert len(callbacks) == 2
    statuses = dict(ProductImage.objects.values_list("pk", "embedding_status"))
    assert statuses == {embedded.pk: Status.EMBEDDED, failed.pk: Status.PENDING, pending.pk: Status.PENDING}


def test_product_images_pending_leaves_out_embedded_and_failed(fashion_mnist_sample):
    embedded, failed, pending, old_version = (stored_image(fashion_mnist_sample, row) for row in range(4))
    version = embedder.model_version()
    for image, model_version in ((embedded, version), (old_version, "vgg16-old")):
        ImageEmbedding.objects.create(
            product_image=image, product=image.product, model_version=model_version, vector=[1.0] + [0.0] * 511
        )
    product_image_embedding_fail(image_id=failed.pk, reason="bad")

    assert list(product_images_pending()) == [pending, old_version]
    assert list(product_images_pending(model_version="vgg16-old")) == [embedded, pending]


def test_embedding_fail_never_overrides_an_embedded_image_and_truncates(fashion_mnist_sample):
    embedded, pending = stored_image(fashion_mnist_sample, 0), stored_image(fashion_mnist_sample, 1)
    ProductImage.objects.filter(pk=embedded.pk).update(embedding_status=Status.EMBEDDED)

    product_image_embedding_fail(image_id=embedded.pk, reason="late failure of a duplicate task")
    product_image_embedding_fail(image_id=pending.pk, reason="x" * 5000)

    assert status_of(embedded) == (Status.EMBEDDED, "")
    assert status_of(pending) == (Status.FAILED, "x" * 2000)


# --- Query photos ---------------------------------------------------------------------------


@pytest.mark.slow
def test_query_image_embed_in_process_when_eager(fashion_mnist_sample, sample_embeddings):
    query = query_image_embed(image=fashion_mnist_sample.photo("test", 0))

    vector = query.vector
    assert 0 <= query.box.x0 < query.box.x1 <= 1 and 0 <= query.box.y0 < query.box.y1 <= 1
    assert vector.dtype == np.float32 and vector.shape == (512,)
    assert float(vector @ sample_embeddings.test[0]) == pytest.approx(1.0, abs=1e-4)


class _FakeResult:
    def __init__(self, outcome):
        self.outcome = outcome
        self.forgotten = False

    def get(self, timeout, propagate):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    def forget(self):
        self.forgotten = True


@pytest.fixture
def worker_stub(settings, monkeypatch):
    """The broker path of ``query_image_embed`` with the worker replaced by ``outcome``."""
    from recommender import tasks

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.SEARCH_EMBED_TIMEOUT = 0.5
    calls = []

    def install(outcome):
        result = _FakeResult(outcome)

        def apply_async(args, expires):
            calls.append({"payload": args[0], "expires": expires})
            return result

        monkeypatch.setattr(tasks.query_image_embed_task, "apply_async", apply_async)
        return result

    return install, calls


def test_query_image_embed_sends_a_small_png_to_the_worker(worker_stub, settings):
    install, calls = worker_stub
    result = install({"vector": [0.5] * 512, "box": [0.1, 0.2, 0.9, 0.8]})
    big = Image.new("RGB", (1200, 900), "white")

    query = query_image_embed(image=big)

    assert query.vector.dtype == np.float32 and query.vector.tolist() == [0.5] * 512
    assert query.box == Box(0.1, 0.2, 0.9, 0.8)
    (call,) = calls
    assert call["expires"] == 0.5
    sent = Image.open(io.BytesIO(base64.b64decode(call["payload"])))
    assert sent.format == "PNG"
    assert sent.size == (QUERY_PHOTO_SIDE, round(QUERY_PHOTO_SIDE * 900 / 1200))  # downscaled, aspect kept
    assert result.forgotten


def test_query_image_embed_raises_search_unavailable_when_no_worker_answers(worker_stub):
    install, _ = worker_stub
    result = install(CeleryTimeoutError("The operation timed out."))

    with pytest.raises(SearchUnavailable, match="^Search by photo is busy right now; please try again in a moment.$"):
        query_image_embed(image=Image.new("RGB", (64, 64)))
    assert result.forgotten


@pytest.mark.slow
def test_query_image_embed_payload_matches_in_process_embedding(fashion_mnist_sample, vgg16_weights):
    image = fashion_mnist_sample.photo("test", 3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")

    answer = query_image_embed_payload(payload=base64.b64encode(buffer.getvalue()).decode("ascii"))

    values = answer["vector"]
    assert isinstance(values, list) and len(values) == 512
    assert len(answer["box"]) == 4 and 0 <= answer["box"][0] < answer["box"][2] <= 1
    expected = embedder.embed_photos([image], batch_size=1)[0][0]
    assert float(np.asarray(values, dtype=np.float32) @ expected) == pytest.approx(1.0, abs=1e-5)


def test_image_search_refuses_an_unknown_category_before_embedding(monkeypatch):
    def no_embedding(*args, **kwargs):
        raise AssertionError("the CNN must not run for a request that is refused anyway")

    monkeypatch.setattr(embedder, "embed_images", no_embedding)

    with pytest.raises(CategoryNotFound, match="^No such category.$"):
        image_search(file=io.BytesIO(photo("PNG")), name="q.png", category="hats")


def png_of_size(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 180, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_search_embeds_the_boxed_part_and_answers_the_box_in_photo_coordinates(monkeypatch):
    """The shopper's box (plus a 10 % margin each way) is what is embedded; the item found in it
    comes back normalised to the whole photo, and is remembered with the vector."""
    embedded = []

    def fake_embed(*, image):
        embedded.append(image.size)
        return services.QueryEmbedding(vector=E0, box=Box(0.25, 0.0, 0.75, 1.0))  # the crop's middle half

    monkeypatch.setattr(services, "query_image_embed", fake_embed)

    result = image_search(
        file=io.BytesIO(png_of_size(400, 200)), name="q.png", box=Box(0.5, 0.25, 0.75, 0.75), category="all"
    )

    # Grown by 10 %: x 0.475-0.775, y 0.2-0.8 of 400 x 200 px.
    assert embedded == [(120, 120)]
    assert result.box is not None and result.query_id is not None
    assert result.box.as_tuple() == pytest.approx((0.55, 0.2, 0.7, 0.8), abs=1e-4)
    remembered = query_vector_recall(query_id=result.query_id)
    assert remembered.box == result.box
    assert float(remembered.vector @ E0) == pytest.approx(1.0)


def test_image_search_without_a_box_answers_the_box_found_in_the_whole_photo(monkeypatch):
    embedded = []

    def fake_embed(*, image):
        embedded.append(image.size)
        return services.QueryEmbedding(vector=E0, box=Box(0.1, 0.2, 0.3, 0.4))

    monkeypatch.setattr(services, "query_image_embed", fake_embed)

    result = image_search(file=io.BytesIO(png_of_size(400, 200)), name="q.png")

    assert embedded == [(400, 200)]
    assert result.box == Box(0.1, 0.2, 0.3, 0.4)
    assert (result.predicted, result.category, result.results) == (None, None, [])


def test_image_search_refuses_a_bad_upload_before_cropping_or_embedding(monkeypatch):
    def no_embedding(*args, **kwargs):
        raise AssertionError("the CNN must not run for a request that is refused anyway")

    monkeypatch.setattr(services, "query_image_embed", no_embedding)

    with pytest.raises(InvalidImage):
        image_search(file=io.BytesIO(b"not a photo"), name="q.png", box=Box(0.1, 0.1, 0.5, 0.5))


def test_image_search_by_query_searches_the_remembered_vector(monkeypatch):
    query_id = query_vector_remember(vector=E0, box=Box(0.1, 0.2, 0.3, 0.4))
    seen = []

    def search_by_vector(**kwargs):
        seen.append(kwargs)
        return []

    monkeypatch.setattr(services, "search_by_vector", search_by_vector)

    result = image_search_by_query(query_id=query_id, sort="price_asc", limit=5)

    assert (result.query_id, result.box) == (query_id, Box(0.1, 0.2, 0.3, 0.4))
    assert len(seen) == 1 and float(seen[0]["vector"] @ E0) == pytest.approx(1.0)
    # No classifier yet: all categories.
    assert (seen[0]["sort"], seen[0]["limit"], seen[0]["categories"]) == ("price_asc", 5, None)


@pytest.mark.parametrize("query_id", ["0" * 32, "", "x" * 32])
def test_query_vector_recall_of_an_unknown_id_raises_query_expired(query_id):
    with pytest.raises(QueryExpired, match="This photo search has expired"):
        query_vector_recall(query_id=query_id)


def test_query_vector_recall_of_another_model_version_raises_query_expired(monkeypatch):
    query_id = query_vector_remember(vector=E0, box=Box(0.1, 0.2, 0.3, 0.4))
    monkeypatch.setattr(embedder, "model_version", lambda: "vgg16-another-recipe")

    with pytest.raises(QueryExpired):
        query_vector_recall(query_id=query_id)


# --- Category classifier --------------------------------------------------------------------


def test_classifier_training_needs_two_categories_with_five_products(fashion_mnist_sample):
    version = embedder.model_version()
    shoes, bags = CategoryFactory.create(name="Shoes"), CategoryFactory.create(name="Bags")
    for n in range(5):
        for category, count in ((shoes, 5), (bags, 4)):
            if n < count:
                image = stored_image(fashion_mnist_sample, row=n)
                image.product.category = category
                image.product.save()
                ImageEmbedding.objects.create(
                    product_image=image, product=image.product, model_version=version, vector=[1.0] + [0.0] * 511
                )

    with pytest.raises(
        NotEnoughTrainingData, match="at least 2 categories with 5 or more embedded products each; found 1"
    ):
        category_classifier_train()
    assert CategoryClassifier.objects.count() == 0


@pytest.mark.slow
def test_classifier_trains_on_the_sample_and_replaces_the_active_one(sample_catalog):
    first = category_classifier_train()
    second = category_classifier_train(seed=1)

    # 20 % of the 120 products held out, stratified: 12 calibrate, 12 measure. The 96 training
    # products come with one customer-style view each (CLASSIFIER_VIEWS_PER_PRODUCT in the tests).
    assert (first.train_size, first.test_size) == (96 + 96, 12)
    assert first.metrics["train_products"] == 96 and first.metrics["views_per_product"] == 1
    assert first.metrics["held_out_views"] == 12
    assert 0 <= first.metrics["ece"] <= 1 and 0 <= first.metrics["wrong_at_90"] <= 1
    assert 0.05 <= first.temperature <= 20
    assert first.category_ids == sorted(c.pk for c in sample_catalog.categories.values())
    assert first.weight_matrix().shape == (10, 512)
    assert first.bias_vector().shape == (10,)
    assert first.held_out_accuracy >= 0.25  # 12 products, 10 classes: chance is 0.1
    first.refresh_from_db()
    assert not first.is_active and second.is_active
    assert list(CategoryClassifier.objects.filter(is_active=True)) == [second]
