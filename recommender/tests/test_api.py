from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache, caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import ProductImage
from catalog.tests.factories import CategoryFactory, ProductFactory
from catalog.tests.image_files import BAD_UPLOADS, photo
from catalog.tests.sample import FOOTWEAR
from recommender import embedder, services
from recommender.customer_photos import two_product_photo
from recommender.exceptions import SearchUnavailable
from recommender.models import ImageEmbedding
from recommender.services import category_classifier_train

from .vectors import E0, embed, unit

pytestmark = pytest.mark.django_db

SEARCH = "/api/search/image/"  # the public URL itself (README, the photo-search page's data-api-url)


def upload(data: bytes, name: str = "query.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


# --- Similar products -----------------------------------------------------------------------


@pytest.fixture
def neighbours():
    """A product and three others at cosine similarity 0.99, 0.6 and 0.11 (current model)."""
    version = embedder.model_version()
    shoes, bags = CategoryFactory.create(name="Shoes"), CategoryFactory.create(name="Bags")
    made = {
        "me": ProductFactory.create(category=shoes, name="Me", slug="me", price=Decimal("10.00")),
        "near": ProductFactory.create(category=bags, name="Near", slug="near", price=Decimal("12.50")),
        "mid": ProductFactory.create(category=shoes, name="Mid", slug="mid"),
        "far": ProductFactory.create(category=shoes, name="Far", slug="far"),
    }
    embed(made["me"], E0, version=version)
    embed(made["near"], unit(0.9, 0.1), version=version)
    embed(made["mid"], unit(0.6, 0.8), version=version)
    embed(made["far"], unit(0.1, 0.9), version=version)
    return made


def test_similar_products_shape_and_order(api, neighbours):
    response = api.get(reverse("api:product-similar", kwargs={"pk": neighbours["me"].pk}))

    assert response.status_code == 200
    body = response.json()
    assert [row["product"]["slug"] for row in body] == ["near", "mid", "far"]
    assert body[0] == {
        "product": {
            "id": neighbours["near"].pk,
            "name": "Near",
            "slug": "near",
            "url": "http://testserver/p/near/",
            "price": "12.50",
            "category": {"slug": "bags", "name": "Bags"},
            "image_url": f"http://testserver/media/products/test/{neighbours['near'].pk}-0.png",
            "in_stock": True,
            "has_sizes": False,
            "colour": "",
        },
        "similarity": pytest.approx(0.9 / (0.81 + 0.01) ** 0.5, abs=1e-6),
        "score": None,  # no match scale before the recommender is trained
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"same_category": "true"}, ["mid", "far"]),
        ({"same_category": "1", "limit": "1"}, ["mid"]),
        ({"min_similarity": "0.5"}, ["near", "mid"]),
        ({"limit": "2"}, ["near", "mid"]),
        ({"same_category": "false"}, ["near", "mid", "far"]),
    ],
)
def test_similar_products_options(api, neighbours, params, expected):
    response = api.get(reverse("api:product-similar", kwargs={"pk": neighbours["me"].pk}), params)

    assert [row["product"]["slug"] for row in response.json()] == expected


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"min_similarity": "high"}])
def test_similar_products_bad_options_are_400(api, neighbours, params):
    response = api.get(reverse("api:product-similar", kwargs={"pk": neighbours["me"].pk}), params)

    assert response.status_code == 400


def test_similar_products_404(api, neighbours):
    neighbours["far"].is_active = False
    neighbours["far"].save()

    for url in (
        reverse("api:product-similar", kwargs={"pk": 999999}),
        reverse("api:product-similar", kwargs={"pk": neighbours["far"].pk}),
    ):
        response = api.get(url)
        assert (response.status_code, response.json()) == (404, {"detail": "No such product."})


def test_similar_products_empty_before_embedding(api):
    assert api.get(reverse("api:product-similar", kwargs={"pk": ProductFactory.create().pk})).json() == []


# --- Find by photo: the real embedder on the real sample ------------------------------------


@pytest.fixture
def trained_catalog(sample_catalog):
    category_classifier_train()
    return sample_catalog


def boot_photo(fashion_mnist_sample) -> SimpleUploadedFile:
    """Fashion-MNIST test image 0, an ankle boot the catalog has never seen."""
    return upload(fashion_mnist_sample.png("test", 0), "boot.png")


@pytest.mark.slow
def test_search_response_shape(api, trained_catalog, fashion_mnist_sample):
    response = api.post(SEARCH, {"image": boot_photo(fashion_mnist_sample)}, format="multipart")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"query_id", "box", "predicted_category", "searched_categories", "results", "close_match_id"}
    assert body["close_match_id"] is None  # a boot the shop does not sell: nothing shown from elsewhere
    assert re.fullmatch(r"[0-9a-f]{32}", body["query_id"])
    x0, y0, x1, y1 = body["box"]
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
    # The boot is centred on white: the box found is the item, not the whole photo.
    assert (x1 - x0) * (y1 - y0) < 0.9
    predicted = body["predicted_category"]
    assert set(predicted) == {"slug", "name", "probability"}
    assert (predicted["slug"], predicted["name"]) == ("ankle-boot", "Ankle boot")
    assert 0.1 < predicted["probability"] <= 1.0
    # Searched in the predicted category (with the next ones when unsure), most similar first.
    searched = body["searched_categories"]
    assert searched[0] == predicted and 1 <= len(searched) <= 3
    assert sum(c["probability"] for c in searched) >= 0.75 or len(searched) == 3
    slugs = {c["slug"] for c in searched}
    assert len(body["results"]) == 12 * len(searched) if len(searched) > 1 else len(body["results"]) == 12
    first = body["results"][0]
    assert set(first) == {"product", "similarity", "score"}
    assert first["score"] is not None and 0 <= first["score"] <= 1  # the recommender is trained
    assert set(first["product"]) == {
        "id",
        "name",
        "slug",
        "url",
        "price",
        "category",
        "image_url",
        "in_stock",
        "has_sizes",
        "colour",
    }
    assert first["product"]["category"] == {"slug": "ankle-boot", "name": "Ankle boot"}
    assert first["product"]["url"] == f"http://testserver/p/{first['product']['slug']}/"
    assert first["product"]["image_url"].startswith("http://testserver/media/products/sample/fm-")
    assert Decimal(first["product"]["price"]) > 0
    similarities = [row["similarity"] for row in body["results"]]
    assert similarities == sorted(similarities, reverse=True)
    assert all(row["product"]["category"]["slug"] in slugs for row in body["results"])


@pytest.mark.slow
def test_search_all_categories(api, trained_catalog, fashion_mnist_sample):
    response = api.post(SEARCH, {"image": boot_photo(fashion_mnist_sample), "category": "all"}, format="multipart")

    body = response.json()
    assert body["predicted_category"]["slug"] == "ankle-boot"  # still predicted, but not applied
    assert len(body["results"]) == 24  # SEARCH_RESULTS_DEFAULT_LIMIT
    slugs = [row["product"]["category"]["slug"] for row in body["results"]]
    assert len(set(slugs)) >= 2
    assert sum(slug in FOOTWEAR for slug in slugs[:12]) >= 10  # a boot looks like footwear


@pytest.mark.slow
def test_search_in_a_chosen_category(api, trained_catalog, fashion_mnist_sample):
    response = api.post(SEARCH, {"image": boot_photo(fashion_mnist_sample), "category": "bag"}, format="multipart")

    body = response.json()
    assert len(body["results"]) == 12
    assert {row["product"]["category"]["slug"] for row in body["results"]} == {"bag"}


@pytest.mark.slow
def test_search_price_filters_sort_and_limit(api, trained_catalog, fashion_mnist_sample):
    response = api.post(
        SEARCH,
        {
            "image": boot_photo(fashion_mnist_sample),
            "category": "all",
            "min_price": "30",
            "max_price": "60.00",
            "sort": "price_desc",
            "limit": "7",
        },
        format="multipart",
    )

    assert response.status_code == 200
    prices = [Decimal(row["product"]["price"]) for row in response.json()["results"]]
    assert len(prices) == 7
    assert prices == sorted(prices, reverse=True)
    assert all(Decimal("30") <= p <= Decimal("60") for p in prices)


@pytest.mark.slow
def test_search_without_classifier_searches_everything(api, sample_catalog, fashion_mnist_sample):
    response = api.post(SEARCH, {"image": boot_photo(fashion_mnist_sample), "limit": "100"}, format="multipart")

    body = response.json()
    assert body["predicted_category"] is None
    assert len(body["results"]) == 100


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["JPEG", "WEBP"])
def test_search_accepts_jpeg_and_webp(api, trained_catalog, fmt):
    data = photo(fmt, row=0)  # train row 0: an ankle boot that is in the catalog
    name = "q.jpg" if fmt == "JPEG" else "q.webp"

    response = api.post(SEARCH, {"image": upload(data, name)}, format="multipart")

    assert response.status_code == 200
    top = response.json()["results"][0]
    assert top["product"]["slug"] == trained_catalog.products[0].slug
    assert top["similarity"] > 0.95


# --- Find by photo: refusals (no embedding needed) ------------------------------------------


@pytest.fixture
def catalog_state(media_files):
    def state():
        return ProductImage.objects.count(), ImageEmbedding.objects.count(), media_files()

    return state


@pytest.mark.parametrize("case", sorted(set(BAD_UPLOADS) - {"empty"}))
def test_search_bad_upload_is_400_with_the_message(api, case, catalog_state):
    bad = BAD_UPLOADS[case]
    before = catalog_state()

    response = api.post(SEARCH, {"image": upload(bad.content(), bad.name)}, format="multipart")

    assert response.status_code == 400
    # A PNG, decoded whole, has find by photo's lower cap (PHOTO_SEARCH_MAX_PIXELS, 16 MP).
    message = "The image is 8000×7500 (60.0 megapixels); the limit is 16 megapixels."
    assert response.json() == {"image": [message if case == "60_megapixels" else bad.message]}
    assert catalog_state() == before


def test_search_empty_file_is_400(api):
    response = api.post(SEARCH, {"image": upload(b"", "empty.png")}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"image": ["The submitted file is empty."]}


def test_search_without_image_is_400(api):
    response = api.post(SEARCH, {"category": "all"}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"image": ["No file was submitted."]}


def test_search_unknown_category_is_400(api):
    response = api.post(SEARCH, {"image": upload(photo("PNG")), "category": "hats"}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"category": ["No such category."]}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_price": "20", "max_price": "10"}, "max_price"),
        ({"min_price": "-1"}, "min_price"),
        ({"sort": "random"}, "sort"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
    ],
)
def test_search_bad_parameters_are_400(api, params, field):
    response = api.post(SEARCH, {"image": upload(photo("PNG")), **params}, format="multipart")

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_search_json_body_is_415(api):
    response = api.post(SEARCH, {"category": "all"}, format="json")

    assert response.status_code == 415


def test_search_busy_worker_is_503(api, monkeypatch):
    def busy(*, image):
        raise SearchUnavailable("Search by photo is busy right now; please try again in a moment.")

    monkeypatch.setattr(services, "query_image_embed", busy)

    response = api.post(SEARCH, {"image": upload(photo("PNG"))}, format="multipart")

    assert response.status_code == 503
    assert response.json() == {"detail": "Search by photo is busy right now; please try again in a moment."}


# --- Find by photo: the shopper's box -------------------------------------------------------


@pytest.fixture
def no_embedding(monkeypatch):
    """Fails the test if anything is embedded."""

    def refuse(*args, **kwargs):
        raise AssertionError("nothing may be embedded here")

    monkeypatch.setattr(embedder, "embed_images", refuse)
    monkeypatch.setattr(embedder, "embed_photos", refuse)
    monkeypatch.setattr(services, "query_image_embed", refuse)


BETWEEN = 'A box is four numbers "x0,y0,x1,y1" between 0 and 1.'
IN_RANGE = "Box coordinates must be between 0 and 1."
ORDERED = "The box must have x0 < x1 and y0 < y1 (at least 1 % of the photo each way)."


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ("0.1,0.2,0.3", BETWEEN),
        ("0.1,0.2,0.3,0.4,0.5", BETWEEN),
        ("left,top,right,bottom", BETWEEN),
        ("0.1;0.2;0.5;0.6", BETWEEN),
        ("0,0,1.5,1", IN_RANGE),
        ("-0.1,0,1,1", IN_RANGE),
        ("nan,0,1,1", IN_RANGE),
        ("0.8,0.1,0.2,0.9", ORDERED),  # x inverted
        ("0.1,0.9,0.8,0.2", ORDERED),  # y inverted
        ("0.5,0.5,0.505,0.9", ORDERED),  # thinner than 1 % of the photo
    ],
)
def test_search_bad_box_is_400_and_embeds_nothing(api, no_embedding, box, message):
    response = api.post(SEARCH, {"image": upload(photo("PNG")), "box": box}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {"box": [message]}


def two_products(sample, *, first: int, second: int, seed: int) -> tuple[bytes, tuple]:
    image, boxes = two_product_photo(sample.test_images[first], sample.test_images[second], seed=seed)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), boxes


def iou(a, b) -> float:
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_a_box_on_each_of_two_products_answers_for_that_product(api, trained_catalog, fashion_mnist_sample, seed):
    """A shopper's photo of a trouser and an ankle boot side by side (test images 5 and 28,
    never in the catalog): a box exactly on each item answers that item's category, and the
    box in the answer is that item, in whole-photo coordinates."""
    trouser, boot = fashion_mnist_sample.rows("test", "trouser")[2], fashion_mnist_sample.rows("test", "ankle-boot")[2]
    data, true_boxes = two_products(fashion_mnist_sample, first=trouser, second=boot, seed=seed)

    for true_box, slug in zip(true_boxes, ("trouser", "ankle-boot"), strict=True):
        box = ",".join(f"{v:.4f}" for v in true_box)
        response = api.post(SEARCH, {"image": upload(data, "two.png"), "box": box}, format="multipart")

        assert response.status_code == 200
        body = response.json()
        assert body["predicted_category"]["slug"] == slug
        searched = {c["slug"] for c in body["searched_categories"]}
        assert slug in searched
        assert {row["product"]["category"]["slug"] for row in body["results"]} <= searched
        assert body["results"][0]["product"]["category"]["slug"] == slug
        assert iou(body["box"], true_box) > 0.7


# --- Find by photo: refining without the photo ----------------------------------------------


@pytest.fixture
def searched(api, trained_catalog, fashion_mnist_sample):
    """A first search with the unseen ankle boot (test image 0): its answer."""
    response = api.post(SEARCH, {"image": boot_photo(fashion_mnist_sample)}, format="multipart")
    assert response.status_code == 200
    return response.json()


def refine_url(query_id: str) -> str:
    return f"{SEARCH}{query_id}/"


@pytest.mark.slow
def test_refine_answers_like_the_post_without_embedding_again(api, searched, no_embedding):
    response = api.get(refine_url(searched["query_id"]))

    assert response.status_code == 200
    assert response.json() == searched


@pytest.mark.slow
def test_refine_with_another_category_price_and_sort(api, searched, no_embedding):
    response = api.get(
        refine_url(searched["query_id"]),
        {"category": "sandal", "min_price": "20", "max_price": "80", "sort": "price_asc", "limit": "5"},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["query_id"], body["box"]) == (searched["query_id"], searched["box"])
    assert body["predicted_category"] == searched["predicted_category"]  # still predicted, not applied
    prices = [Decimal(row["product"]["price"]) for row in body["results"]]
    assert len(prices) == 5
    assert prices == sorted(prices)
    assert all(Decimal("20") <= p <= Decimal("80") for p in prices)
    assert {row["product"]["category"]["slug"] for row in body["results"]} == {"sandal"}


@pytest.mark.slow
def test_refine_in_all_categories(api, searched, no_embedding):
    response = api.get(refine_url(searched["query_id"]), {"category": "all"})

    slugs = [row["product"]["category"]["slug"] for row in response.json()["results"]]
    assert len(slugs) == 24 and len(set(slugs)) >= 2


@pytest.mark.slow
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_price": "20", "max_price": "10"}, "max_price"),
        ({"min_price": "-1"}, "min_price"),
        ({"sort": "random"}, "sort"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
    ],
)
def test_refine_bad_parameters_are_400(api, searched, no_embedding, params, field):
    response = api.get(refine_url(searched["query_id"]), params)

    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.slow
def test_refine_unknown_category_is_400(api, searched, no_embedding):
    response = api.get(refine_url(searched["query_id"]), {"category": "hats"})

    assert response.status_code == 400
    assert response.json() == {"category": ["No such category."]}


EXPIRED = {"detail": "This photo search has expired; please choose the photo again."}


@pytest.mark.parametrize("query_id", ["0" * 32, "f" * 31, "0" * 33, "A" * 32, "not-a-query"])
def test_refine_unknown_query_is_404(api, query_id):
    response = api.get(refine_url(query_id))

    assert response.status_code == 404
    assert response.json() == EXPIRED


@pytest.mark.slow
def test_refine_after_the_cache_is_cleared_is_404(api, searched):
    cache.clear()

    response = api.get(refine_url(searched["query_id"]))

    assert response.status_code == 404
    assert response.json() == EXPIRED


@pytest.mark.slow
def test_refine_is_kept_for_the_ttl_and_no_longer(api, searched, settings, monkeypatch):
    from django.core.cache.backends import locmem

    if not isinstance(caches["default"], locmem.LocMemCache):
        pytest.skip("moves the clock of Django's in-memory cache (the test settings' cache)")
    assert settings.SEARCH_QUERY_TTL_SECONDS == 1800
    import time

    # locmem reads the clock as ``time.time()`` (the stdlib module), so this moves its clock.
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 1790)
    assert api.get(refine_url(searched["query_id"])).status_code == 200
    monkeypatch.setattr(time, "time", lambda: now + 1801)
    assert api.get(refine_url(searched["query_id"])).status_code == 404


@pytest.mark.slow
def test_refine_after_the_model_changed_is_404(api, searched, monkeypatch):
    monkeypatch.setattr(embedder, "model_version", lambda: "vgg16-another-recipe")

    response = api.get(refine_url(searched["query_id"]))

    assert response.status_code == 404
    assert response.json() == EXPIRED


@pytest.mark.slow
def test_only_the_vector_is_remembered(searched):
    remembered = cache.get(f"recommender:search-query:{searched['query_id']}")

    assert set(remembered) == {"model_version", "vector", "box"}
    assert len(remembered["vector"]) == 512 * 4  # float32, not a photo
    assert remembered["model_version"] == embedder.model_version()
    assert remembered["box"] == pytest.approx(searched["box"], abs=1e-4)


@pytest.mark.slow
def test_each_search_gets_its_own_query_id(api, trained_catalog, fashion_mnist_sample):
    ids = {
        api.post(SEARCH, {"image": boot_photo(fashion_mnist_sample)}, format="multipart").json()["query_id"]
        for _ in range(2)
    }

    assert len(ids) == 2
