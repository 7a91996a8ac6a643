from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from catalog.models import ProductImage
from catalog.tests.factories import CategoryFactory, ProductFactory
from catalog.tests.image_files import BAD_UPLOADS, photo
from catalog.tests.sample import FOOTWEAR
from recommender import embedder, services
from recommender.exceptions import SearchUnavailable
from recommender.models import ImageEmbedding
from recommender.services import category_classifier_train

from .vectors import E0, embed, unit

pytestmark = pytest.mark.django_db

SEARCH = "/api/search/image/"


@pytest.fixture
def api():
    return APIClient()


def upload(data: bytes, name: str = "query.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


# --- Similar products -----------------------------------------------------------------------


@pytest.fixture
def neighbours():
    """A product and three others at cosine similarity 0.99, 0.6 and 0.11 (current model)."""
    version = embedder.model_version()
    shoes, bags = CategoryFactory(name="Shoes"), CategoryFactory(name="Bags")
    made = {
        "me": ProductFactory(category=shoes, name="Me", slug="me", price=Decimal("10.00")),
        "near": ProductFactory(category=bags, name="Near", slug="near", price=Decimal("12.50")),
        "mid": ProductFactory(category=shoes, name="Mid", slug="mid"),
        "far": ProductFactory(category=shoes, name="Far", slug="far"),
    }
    embed(made["me"], E0, version=version)
    embed(made["near"], unit(0.9, 0.1), version=version)
    embed(made["mid"], unit(0.6, 0.8), version=version)
    embed(made["far"], unit(0.1, 0.9), version=version)
    return made


def test_similar_products_shape_and_order(api, neighbours):
    response = api.get(f"/api/products/{neighbours['me'].pk}/similar/")

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
        },
        "similarity": pytest.approx(0.9 / (0.81 + 0.01) ** 0.5, abs=1e-6),
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
    response = api.get(f"/api/products/{neighbours['me'].pk}/similar/", params)

    assert [row["product"]["slug"] for row in response.json()] == expected


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}, {"limit": "ten"}, {"min_similarity": "high"}])
def test_similar_products_bad_options_are_400(api, neighbours, params):
    response = api.get(f"/api/products/{neighbours['me'].pk}/similar/", params)

    assert response.status_code == 400


def test_similar_products_404(api, neighbours):
    neighbours["far"].is_active = False
    neighbours["far"].save()

    assert api.get("/api/products/999999/similar/").status_code == 404
    assert api.get(f"/api/products/{neighbours['far'].pk}/similar/").status_code == 404


def test_similar_products_empty_before_embedding(api):
    assert api.get(f"/api/products/{ProductFactory().pk}/similar/").json() == []


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
    assert set(body) == {"predicted_category", "results"}
    predicted = body["predicted_category"]
    assert set(predicted) == {"slug", "name", "probability"}
    assert (predicted["slug"], predicted["name"]) == ("ankle-boot", "Ankle boot")
    assert 0.1 < predicted["probability"] <= 1.0
    # Searched in the predicted category: its 12 products, most similar first.
    assert len(body["results"]) == 12
    first = body["results"][0]
    assert set(first) == {"product", "similarity"}
    assert set(first["product"]) == {"id", "name", "slug", "url", "price", "category", "image_url"}
    assert first["product"]["category"] == {"slug": "ankle-boot", "name": "Ankle boot"}
    assert first["product"]["url"] == f"http://testserver/p/{first['product']['slug']}/"
    assert first["product"]["image_url"].startswith("http://testserver/media/products/sample/fm-")
    assert Decimal(first["product"]["price"]) > 0
    similarities = [row["similarity"] for row in body["results"]]
    assert similarities == sorted(similarities, reverse=True)
    assert all(row["product"]["category"]["slug"] == "ankle-boot" for row in body["results"])


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
    assert response.json() == {"image": [bad.message]}
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
