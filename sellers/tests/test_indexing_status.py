"""The indexing-status vocabulary is one ``TextChoices``: the selector answers with it, the API
lists its values, the dashboard shows its labels and its script compares its values."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Seller
from catalog.models import Category, Product, ProductImage
from catalog.selectors import product_indexing_status
from catalog.tests.factories import ProductFactory, ProductImageFactory, seller_create
from sellers.api.serializers import _indexing_status_field
from sellers.selectors import seller_product_list

pytestmark = pytest.mark.django_db

Status = Product.IndexingStatus


def test_the_vocabulary() -> None:
    assert Status.choices == [
        ("indexing", "indexing…"),
        ("indexed", "indexed"),
        ("failed", "failed"),
        ("no photos", "no photos"),
    ]
    assert list(_indexing_status_field.choices) == Status.values  # the API's documented enum


@pytest.mark.parametrize(
    ("embedding_statuses", "expected"),
    [
        ([], Status.NO_PHOTOS),
        (["pending", "failed", "embedded"], Status.INDEXING),
        (["failed", "embedded"], Status.FAILED),
        (["embedded", "embedded"], Status.INDEXED),
    ],
)
def test_product_indexing_status(embedding_statuses: list[str], expected: Product.IndexingStatus) -> None:
    seller = seller_create("seller@example.com", "Shoe store")
    product = ProductFactory.create(seller=seller)
    for status in embedding_statuses:
        ProductImageFactory.create(product=product, embedding_status=status)
    annotated = seller_product_list(seller=seller).get(pk=product.pk)
    for answer in (product_indexing_status(product), product_indexing_status(annotated)):
        assert answer is expected


def test_the_dashboard_script_compares_values_not_labels(client: Client, alice: Seller, category: Category) -> None:
    product = ProductFactory.create(seller=alice, category=category)
    ProductImageFactory.create(product=product, embedding_status=ProductImage.EmbeddingStatus.PENDING)
    client.force_login(alice.user)
    page = client.get("/sell/").content.decode()
    assert f'data-status="indexing" data-product-status="{product.pk}">indexing…<' in page
    assert 'const INDEXING = "indexing", INDEXED = "indexed";' in page
    assert "b.dataset.status === INDEXING" in page and '=== "indexing…"' not in page
