"""Find by photo with words ("this, but in brown"): colour words filter the vector search, other
words re-rank the photo's matches by reciprocal rank fusion (search.photo)."""

from __future__ import annotations

import functools
from decimal import Decimal

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.models import Product, ProductImage
from catalog.tests.factories import CategoryFactory, ProductFactory
from catalog.tests.image_files import photo
from recommender import embedder, services
from recommender.isolation import FULL_BOX
from recommender.services import QueryEmbedding, image_search_by_vector
from recommender.tests.vectors import E0, embed, unit
from search.photo import image_search_with_words, photo_words_parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf():
    """Boots whose photos are ever less like E0 (cosine 1.0, 0.9, … 0.5), in three colours; only
    the fourth is "leather" by name."""
    boots = CategoryFactory.create(name="Ankle boot", slug="ankle-boot")
    made = {}
    rows = [
        ("black1", "Black ankle boots", "Black", 30),
        ("brown1", "Brown ankle boots", "Brown", 50),
        ("black2", "Black ankle boots", "Black", 20),
        ("brown2", "Brown leather ankle boots", "Brown", 40),
        ("navy1", "Navy ankle boots", "Navy", 10),
        ("brown3", "Brown ankle boots", "Brown", 60),
    ]
    for i, (key, name, colour, price) in enumerate(rows):
        product = ProductFactory.create(category=boots, name=name, price=Decimal(price))
        Product.objects.filter(pk=product.pk).update(colour=colour)
        similarity = 1.0 - 0.1 * i
        embed(product, unit(similarity, float(np.sqrt(1 - similarity**2))), version=embedder.model_version())
        made[key] = product
    return made


def keys(result, made) -> list[str]:
    by_pk = {p.pk: k for k, p in made.items()}
    return [by_pk[r.product.pk] for r in result.results]


def by_vector(**kwargs):
    return image_search_with_words(
        search=functools.partial(image_search_by_vector, vector=E0, category="all"), **kwargs
    )


def test_colour_words_and_synonyms_filter_and_other_words_remain():
    CategoryFactory.create(name="Ankle boot", slug="ankle-boot")

    assert photo_words_parse(q="brown") == photo_words_parse(q="  BROWN ")
    assert photo_words_parse(q="brown").colour == "Brown" and photo_words_parse(q="brown").words == ""
    assert photo_words_parse(q="gray").colour == "Grey"  # American spelling
    assert photo_words_parse(q="maroon").colour == "Burgundy"  # an everyday word for it
    leather = photo_words_parse(q="brown leather")
    assert (leather.colour, leather.words) == ("Brown", "leather")
    assert photo_words_parse(q="red or blue").colour is None  # two colours: no filter
    assert photo_words_parse(q="brown", colour="Navy").colour == "Navy"  # the explicit choice wins
    assert photo_words_parse(q="").colour is None


def test_a_colour_word_keeps_only_that_colour_in_photo_order(shelf):
    assert keys(by_vector(q="brown"), shelf) == ["brown1", "brown2", "brown3"]
    assert keys(by_vector(q=""), shelf) == ["black1", "brown1", "black2", "brown2", "navy1", "brown3"]
    assert keys(by_vector(q="", colour="Navy"), shelf) == ["navy1"]
    assert by_vector(q="pink").results == []


def test_other_words_re_rank_the_photos_matches_without_bringing_in_others(shelf):
    ProductFactory.create(name="Brown leather bag")  # matches the words, looks nothing like the photo

    fused = by_vector(q="brown leather")

    # brown2 is the photo's 2nd brown match and the only one named leather: fused, it comes first.
    assert keys(fused, shelf) == ["brown2", "brown1", "brown3"]
    # Words no product has leave the photo's order as it is.
    assert keys(by_vector(q="brown suede"), shelf) == ["brown1", "brown2", "brown3"]


def test_the_sort_orders_the_fused_answer_and_the_limit_cuts_it(shelf):
    assert keys(by_vector(q="brown leather", sort="price_asc"), shelf) == ["brown2", "brown1", "brown3"]
    assert keys(by_vector(q="brown", sort="price_desc"), shelf) == ["brown3", "brown1", "brown2"]
    assert keys(by_vector(q="boots", limit=2), shelf) == ["black1", "brown1"]


def test_the_api_sends_q_with_the_photo_and_answers_only_that_colour(shelf, monkeypatch):
    monkeypatch.setattr(services, "query_image_embed", lambda image: QueryEmbedding(vector=E0, box=FULL_BOX))
    api = APIClient()
    url = reverse("api:image-search")

    def post(**fields):
        upload = SimpleUploadedFile("boot.png", photo("PNG"), content_type="image/png")
        return api.post(url, {"image": upload, "category": "all", **fields}, format="multipart")

    answer = post(q="brown")
    assert answer.status_code == 200
    assert [r["product"]["id"] for r in answer.json()["results"]] == [
        shelf[k].pk for k in ("brown1", "brown2", "brown3")
    ]
    assert {r["product"]["colour"] for r in answer.json()["results"]} == {"Brown"}
    refine = api.get(
        reverse("api:image-search-query", args=[answer.json()["query_id"]]), {"q": "navy", "category": "all"}
    )
    assert [r["product"]["id"] for r in refine.json()["results"]] == [shelf["navy1"].pk]
    assert post(colour="mauve").status_code == 400
    assert post(q="x" * 1001).status_code == 400


def test_the_find_by_photo_page_takes_words_and_carries_q_from_the_header(client, shelf, monkeypatch):
    monkeypatch.setattr(services, "query_image_embed", lambda image: QueryEmbedding(vector=E0, box=FULL_BOX))
    for image in ProductImage.objects.all():  # the cards show the photos: give the rows their files
        default_storage.save(image.image.name, ContentFile(photo("PNG")))
    url = reverse("shop:image_search")

    assert 'value="brown boots"' in client.get(url, {"q": "brown boots"}).content.decode()
    upload = SimpleUploadedFile("boot.png", photo("PNG"), content_type="image/png")
    page = client.post(url, {"image": upload, "category": "all", "q": "brown"})

    assert page.status_code == 200
    assert [r.product.pk for r in page.context["result"].results] == [
        shelf[k].pk for k in ("brown1", "brown2", "brown3")
    ]


def test_add_a_photo_to_this_search_carries_the_words_and_valid_filters(client):
    CategoryFactory.create(name="Sneaker", slug="sneaker")

    form = client.get(
        reverse("shop:image_search"),
        {"q": "navy trainers", "colour": "navy", "category": "sneaker", "min_price": "20", "max_price": "oops"},
    ).context["form"]

    assert form.initial == {"q": "navy trainers", "colour": "Navy", "category": "sneaker", "min_price": Decimal("20")}
    assert not form.is_bound  # nothing to complain about before the shopper searches


def test_text_search_with_a_photo_fuses_the_photos_ranking_with_the_words(shelf, monkeypatch):
    monkeypatch.setattr(services, "query_image_embed", lambda image: QueryEmbedding(vector=E0, box=FULL_BOX))
    bag = ProductFactory.create(name="Brown leather bag")  # the words' match that looks nothing like the photo
    api = APIClient()
    upload = SimpleUploadedFile("boot.png", photo("PNG"), content_type="image/png")
    query_id = api.post(reverse("api:image-search"), {"image": upload}, format="multipart").json()["query_id"]

    words_only = api.get(reverse("api:search"), {"q": "leather"}).json()
    with_photo = api.get(reverse("api:search"), {"q": "leather", "query_id": query_id}).json()

    assert {r["product"]["id"] for r in words_only["results"]} == {shelf["brown2"].pk, bag.pk}
    ids = [r["product"]["id"] for r in with_photo["results"]]
    # The boot that has the words and looks like the photo first; the photo's other matches and
    # the words' other match (the bag) follow.
    assert ids[0] == shelf["brown2"].pk
    assert set(ids) == {p.pk for p in shelf.values()} | {bag.pk}
    assert with_photo["count"] == len(ids)
    assert api.get(reverse("api:search"), {"q": "leather", "query_id": "0" * 32}).status_code == 404
    assert api.get(reverse("api:search"), {"q": "leather", "query_id": "not-an-id"}).status_code == 400
