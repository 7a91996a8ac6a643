from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


#: The product object of /api/products/, which search results carry too.
PRODUCT_FIELDS = {"id", "name", "slug", "url", "price", "category", "image_url", "in_stock", "has_sizes", "colour"}


@pytest.fixture
def api():
    return APIClient()


def test_search_answers_results_facets_and_pages(api, demo_catalog):
    response = api.get(reverse("api:search"), {"q": "red dress"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"query", "count", "results", "facets", "page", "num_pages", "did_you_mean"}
    assert (body["query"], body["count"], body["page"], body["num_pages"], body["did_you_mean"]) == (
        "red dress",
        1,
        1,
        1,
        None,
    )
    hit = body["results"][0]
    assert set(hit) == {"product", "score"}
    assert hit["score"] == 14.0
    product = hit["product"]
    assert (product["name"], product["colour"], product["category"]) == (
        "Red dress",
        "Red",
        {"slug": "dress", "name": "Dress"},
    )
    assert set(product) == PRODUCT_FIELDS
    assert body["facets"]["category"] == [{"slug": "dress", "name": "Dress", "count": 1}]
    assert body["facets"]["colour"] == [{"name": "Red", "count": 1}]
    assert body["facets"]["price"] == {"min": product["price"], "max": product["price"]}
    assert body["facets"]["in_stock"] == (1 if product["in_stock"] else 0)


def test_search_filters_sort_and_page(api, demo_catalog):
    body = api.get(
        reverse("api:search"),
        {
            "q": "",
            "colour": "RED",
            "min_price": "20",
            "max_price": "60",
            "sort": "-price",
            "page": "2",
            "page_size": "2",
        },
    ).json()
    expected = sorted(
        (p for p in demo_catalog.products if p.colour == "Red" and 20 <= p.price <= 60),
        key=lambda p: (-p.price, -p.pk),
    )
    assert body["count"] == len(expected)
    assert [r["product"]["id"] for r in body["results"]] == [p.pk for p in expected[2:4]]
    assert body["page"] == 2


def test_search_typo_says_did_you_mean(api, demo_catalog):
    body = api.get(reverse("api:search"), {"q": "sneeker"}).json()
    assert body["did_you_mean"] == "sneaker"
    assert body["count"] == 12


def test_photo_search_is_not_needed_for_an_empty_search(api, demo_catalog):
    body = api.get(reverse("api:search")).json()
    assert body["count"] == 120
    assert body["facets"]["price"] is not None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"min_price": "cheap"}, "min_price"),
        ({"min_price": "-1"}, "min_price"),
        ({"min_price": "50", "max_price": "10"}, "max_price"),
        ({"colour": "mauve"}, "colour"),
        ({"category": "not a slug!"}, "category"),
        ({"sort": "best"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"page_size": "1000"}, "page_size"),
    ],
)
def test_bad_parameters_are_400_with_field_errors(api, demo_catalog, params, field):
    response = api.get(reverse("api:search"), params)
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize(
    "q",
    ["", '"', "*", "NEAR(", "OR", "dress OR coat", "a" * 1000, "платье", "%", "\x00", "dress\x00", "'; DROP TABLE x"],
)
def test_no_query_string_is_a_server_error(api, demo_catalog, q):
    assert api.get(reverse("api:search"), {"q": q}).status_code == 200
    assert api.get(reverse("api:search-suggest"), {"q": q}).status_code == 200


def test_suggest_answers_suggestions(api, demo_catalog):
    response = api.get(reverse("api:search-suggest"), {"q": "trainers", "limit": 3})
    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    assert len(suggestions) == 3
    assert suggestions[0] == {"kind": "category", "label": "Sneaker", "url": "/search/?category=sneaker"}
    assert {s["kind"] for s in suggestions[1:]} == {"product"}


def test_suggest_bad_limit_is_400(api, demo_catalog):
    assert api.get(reverse("api:search-suggest"), {"q": "x", "limit": "0"}).status_code == 400


def test_both_endpoints_are_in_the_schema(api):
    schema = api.get(reverse("api:schema"), {"format": "json"}).json()
    assert {"/api/search/", "/api/search/suggest/"} <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/search/"]["get"]["parameters"]}
    assert parameters == {
        "q",
        "category",
        "colour",
        "min_price",
        "max_price",
        "in_stock",
        "sort",
        "page",
        "page_size",
        "query_id",
    }


def test_products_api_search_uses_the_text_search(api, demo_catalog):
    body = api.get(reverse("api:product-list"), {"search": "trainers"}).json()
    assert body["count"] == 12
    assert {r["id"] for r in body["results"]} == demo_catalog.of(category="sneaker")
    assert body["next"] is None
    assert body["previous"] is None
    assert set(body["results"][0]) == PRODUCT_FIELDS


def test_products_api_search_keeps_its_filters_sort_and_pages(api, demo_catalog):
    body = api.get(reverse("api:product-list"), {"search": "boots", "sort": "price_asc", "max_price": "80"}).json()
    expected = sorted(
        (p for p in demo_catalog.products if p.category.slug == "ankle-boot" and p.price <= 80),
        key=lambda p: (p.price, p.pk),
    )
    assert body["count"] == len(expected)
    assert [r["id"] for r in body["results"]] == [p.pk for p in expected]
    assert body["next"] is None
    assert api.get(reverse("api:product-list"), {"search": "boots", "min_price": "x"}).status_code == 400
    assert api.get(reverse("api:product-list"), {"search": "boots", "page": "2"}).status_code == 404
    assert api.get(reverse("api:product-list"), {"search": "dress", "category": "dress"}).json()["count"] == 12
