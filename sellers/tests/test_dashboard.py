"""The seller dashboard's product table (search, pagination), the bulk import's CSV template
and the product form's photo field."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Seller
from catalog.models import Product
from catalog.tests.factories import CategoryFactory, ProductFactory, seller_create
from catalog.tests.image_files import photo
from core.limits import PHOTOS_REQUIRED
from sellers import views
from sellers.bulk_import import COLUMNS, EXAMPLE_ROW, REQUIRED_COLUMNS, _csv_rows, bulk_import_template_csv

from .test_bulk_import import _run

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> Seller:
    return seller_create("alice@example.com", "Alice")


def _client(seller: Seller) -> Client:
    client = Client()
    client.force_login(seller.user)
    return client


def test_product_table_searches_name_and_sku_of_own_products_only(alice):
    bob = seller_create("bob@example.com", "Bob")
    ProductFactory.create(seller=alice, name="Red tote", sku="AL-TOTE-1")
    ProductFactory.create(seller=alice, name="Ankle boot", sku="AL-BOOT")
    ProductFactory.create(seller=alice, name="Canvas bag", sku="AL-TOTE-2")
    ProductFactory.create(seller=bob, name="Blue tote", sku="BO-TOTE")
    page = _client(alice).get(reverse("sellers:dashboard"), {"q": "tote"}).content.decode()
    assert "AL-TOTE-1" in page and "AL-TOTE-2" in page  # by name, by SKU
    assert "AL-BOOT" not in page and "BO-TOTE" not in page
    assert "2 products match “tote”" in page
    empty = _client(alice).get(reverse("sellers:dashboard"), {"q": "BO-TOTE"}).content.decode()
    assert "No product's name or SKU contains “BO-TOTE”." in empty


def test_product_table_is_paginated_and_keeps_the_query(alice, monkeypatch):
    monkeypatch.setattr(views, "DASHBOARD_PAGE_SIZE", 2)
    for i in range(5):
        ProductFactory.create(seller=alice, name=f"Tote {i}", sku=f"AL-{i}")
    ProductFactory.create(seller=alice, name="Boot", sku="AL-B")
    first = _client(alice).get(reverse("sellers:dashboard"), {"q": "tote"}).content.decode()
    assert '<a aria-current="page" class="current">1</a>' in first and 'href="?q=tote&amp;page=3">3</a>' in first
    assert 'href="?q=tote&amp;page=2" rel="next"' in first
    last = _client(alice).get(reverse("sellers:dashboard"), {"q": "tote", "page": "3"}).content.decode()
    assert "AL-0" in last and "AL-1" not in last and "AL-B" not in last  # newest first: AL-0 is the oldest


def test_status_poll_answers_the_products_asked_for(alice):
    a, b = ProductFactory.create(seller=alice), ProductFactory.create(seller=alice)
    other = ProductFactory.create(seller=seller_create("bob@example.com", "Bob"))
    body = _client(alice).get(reverse("sellers:dashboard_status"), {"ids": f"{a.pk},{other.pk},x"}).json()
    assert list(body["products"]) == [str(a.pk)]
    assert sorted(_client(alice).get(reverse("sellers:dashboard_status")).json()["products"]) == sorted(
        [str(a.pk), str(b.pk)]
    )


def test_csv_template_download_has_the_columns_and_an_example_row(alice):
    response = _client(alice).get(reverse("sellers:bulk_import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="vitrine-products-template.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == list(COLUMNS) and set(REQUIRED_COLUMNS) <= set(rows[0])
    assert rows[1] == [EXAMPLE_ROW.get(column, "") for column in COLUMNS] and len(rows) == 2


def test_csv_template_parses_back_and_imports_as_one_product(alice, sent, django_capture_on_commit_callbacks):
    assert _csv_rows(bulk_import_template_csv().encode()) == [{c: EXAMPLE_ROW.get(c, "") for c in COLUMNS}]
    CategoryFactory.create(name="Ankle boot", slug="ankle-boot")
    files = {"boot-front.jpg": photo("JPEG", 0), "boot-side.jpg": photo("JPEG", 1)}
    bulk = _run(alice, bulk_import_template_csv(), files, django_capture_on_commit_callbacks)
    assert (bulk.status, bulk.created_count, bulk.image_count, bulk.errors) == ("done", 1, 2, [])
    product = Product.objects.get(sku="NOVA-001")
    assert (product.name, product.price, product.stock, product.seller) == (
        "Midnight ankle boot",
        Decimal("129.00"),
        5,
        alice,
    )


def test_import_page_links_the_template_and_lists_the_columns(alice):
    page = _client(alice).get(reverse("sellers:bulk_import_create")).content.decode()
    assert f'href="{reverse("sellers:bulk_import_template")}" download' in page
    assert "Columns: name, sku, category, price, stock, images, description" in page


def test_product_form_keeps_the_photo_help_on_error_and_shows_the_currency(alice):
    CategoryFactory.create(name="Bag", slug="bag")
    response = _client(alice).post(reverse("sellers:product_create"), {"name": "Tote", "sku": "AL-1"})
    page = response.content.decode()
    assert response.status_code == 400
    zone = page.split('data-testid="dropzone"')[1].split('data-testid="photo-previews"')[0]
    assert PHOTOS_REQUIRED in zone  # the error and, below, the help text stay in the drop zone
    help_text = page.split('data-testid="dropzone-help">')[1].split("</small>")[0]
    assert help_text.startswith("Drop photos here or choose them:")
    assert "Price ($) *" in page


def test_the_dashboard_reads_flagged_duplicates_in_one_query_whatever_their_number():
    """Security review L13: a possible-duplicate note cost one query per flagged photo."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.tests.factories import ProductImageFactory

    alice = seller_create("alice@example.com", "Alice")
    original = ProductFactory.create(name="Original")
    client = _client(alice)

    def flagged(count: int) -> int:
        for i in range(count):
            product = ProductFactory.create(seller=alice, name=f"Copy {i}")
            ProductImageFactory.create(product=product, duplicate_of=original, duplicate_similarity=0.98)
        with CaptureQueriesContext(connection) as queries:
            html = client.get(reverse("sellers:dashboard")).content.decode()
        assert (
            html.count('<small class="errorlist">Possible duplicate listing')
            == Product.objects.filter(seller=alice).count()
        )
        return len(queries)

    assert flagged(1) == flagged(3)
