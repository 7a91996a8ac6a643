"""Sizes on the seller side: the product form's sizes field, the Seller API's ``variants`` and
the bulk import's ``sizes`` column all give a product its sizes with per-size stock."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from catalog.models import Product
from catalog.sizes import SizeRun
from catalog.tests.factories import SELLER_PASSWORD, CategoryFactory
from catalog.tests.image_files import photo
from sellers.bulk_import import bulk_import_create
from sellers.services import seller_product_create

from .test_bulk_import import _zip

pytestmark = pytest.mark.django_db


@pytest.fixture
def shoes():
    return CategoryFactory.create(name="Sneakers", slug="sneakers", size_run=SizeRun.FOOTWEAR)


def _upload(row: int = 0) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"photo{row}.png", photo("PNG", row), content_type="image/png")


def _sizes(sku: str) -> list[tuple[str, str, int]]:
    return list(Product.objects.get(sku=sku).variants.values_list("size", "sku", "stock"))


def test_form_publishes_sizes_with_their_stock_and_edits_them(client, alice, shoes):
    client.login(email="alice@example.com", password=SELLER_PASSWORD)
    body = {"name": "Runner", "sku": "AL-R", "category": shoes.pk, "price": "70.00", "variants": "43:1; eu 42:4"}
    response = client.post(reverse("sellers:product_create"), {**body, "images": [_upload(0)]})
    assert response.status_code == 302
    assert _sizes("AL-R") == [("EU 42", "AL-R-EU42", 4), ("EU 43", "AL-R-EU43", 1)]
    product = Product.objects.get(sku="AL-R")
    assert product.stock == 5

    edit = reverse("sellers:product_edit", kwargs={"product_id": product.pk})
    assert 'value="EU 42:4; EU 43:1"' in client.get(edit).content.decode()
    response = client.post(edit, {**body, "variants": "EU 42:0; EU 44:6"})
    assert response.status_code == 302
    assert _sizes("AL-R") == [("EU 42", "AL-R-EU42", 0), ("EU 44", "AL-R-EU44", 6)]

    response = client.post(edit, {**body, "variants": "EU 48:1"})
    assert response.status_code == 400
    assert "“EU 48” is not a size of Sneakers" in response.content.decode()
    response = client.post(edit, {**body, "variants": "EU 42 four"})
    assert "“EU 42 four” is not a size and its stock like “M:5”" in response.content.decode()


def test_api_creates_and_patches_variants(alice, shoes):
    api = APIClient()
    token = api.post(reverse("api:auth-token"), {"email": "alice@example.com", "password": SELLER_PASSWORD}).json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    body = {
        "name": "Runner",
        "sku": "AL-R",
        "category": "sneakers",
        "price": "70.00",
        "variants[0]size": "EU 41",
        "variants[0]stock": "2",
        "variants[1]size": "EU 40",
        "variants[1]stock": "0",
        "variants[1]sku": "RUN-40",
        "images": [_upload(1)],
    }
    response = api.post(reverse("api:seller-product-list"), body, format="multipart")
    assert response.status_code == 201, response.content
    assert [(v["size"], v["sku"], v["stock"]) for v in response.json()["variants"]] == [
        ("EU 40", "RUN-40", 0),
        ("EU 41", "AL-R-EU41", 2),
    ]
    assert response.json()["stock"] == 2

    product = Product.objects.get(sku="AL-R")
    url = reverse("api:seller-product-detail", kwargs={"product_id": product.pk})
    variants = [{"size": "EU 41", "stock": 5, "price": "75.00"}, {"size": "EU 45", "stock": 1}]
    response = api.patch(url, {"variants": variants}, format="json")
    assert response.status_code == 200, response.content
    assert [(v["size"], v["stock"], v["price"]) for v in response.json()["variants"]] == [
        ("EU 41", 5, "75.00"),
        ("EU 45", 1, None),
    ]
    assert response.json()["stock"] == 6
    refused = api.patch(url, {"stock": 3}, format="json")
    assert refused.status_code == 400
    assert "sold in sizes" in str(refused.json())


def test_bulk_import_sizes_column(alice, shoes, django_capture_on_commit_callbacks):
    CategoryFactory.create(name="Bag", slug="bag")
    csv_text = (
        "name,sku,category,price,stock,images,sizes\n"
        "Runner,AL-R,sneakers,70.00,,run.png,EU 41:2;42:0;EU 43:5\n"
        "Tote,AL-T,bag,30.00,3,tote.png,\n"
        "Boot,AL-B,sneakers,80.00,,boot.png,EU 50:1\n"
    )
    photos = _zip({name: photo("PNG", i) for i, name in enumerate(["run.png", "tote.png", "boot.png"])})
    with django_capture_on_commit_callbacks(execute=True):
        bulk = bulk_import_create(seller=alice, csv_file=io.BytesIO(csv_text.encode()), zip_file=io.BytesIO(photos))
    bulk.refresh_from_db()
    assert (bulk.created_count, bulk.updated_count) == (2, 0)
    assert _sizes("AL-R") == [("EU 41", "AL-R-EU41", 2), ("EU 42", "AL-R-EU42", 0), ("EU 43", "AL-R-EU43", 5)]
    assert Product.objects.get(sku="AL-R").stock == 7
    assert _sizes("AL-T") == [("", "AL-T", 3)]
    assert [(e["row"], e["sku"]) for e in bulk.errors] == [(4, "AL-B")]
    assert "“EU 50” is not a size of Sneakers" in bulk.errors[0]["message"]


def test_seller_service_keeps_one_size_products_working(alice):
    bag = seller_product_create(
        seller=alice,
        category=CategoryFactory.create(),
        name="Bag",
        sku="AL-9",
        price=Decimal("5"),
        stock=2,
        images=[_upload(2)],
    )
    assert _sizes(bag.sku) == [("", "AL-9", 2)]
