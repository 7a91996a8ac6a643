"""Bulk import: CSV + ZIP, row-level errors, idempotent by SKU, hostile archives."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Seller
from catalog.models import BulkImport, Product, ProductImage
from catalog.tests.factories import CategoryFactory, seller_create
from catalog.tests.image_files import photo
from sellers.bulk_import import BulkImportRefused, bulk_import_create

if TYPE_CHECKING:
    from pytest_django import DjangoCaptureOnCommitCallbacks

pytestmark = pytest.mark.django_db

HEADER = "name,sku,category,price,stock,images,description\n"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def categories():
    CategoryFactory.create(name="Bag", slug="bag")
    CategoryFactory.create(name="Ankle boot", slug="ankle-boot")


@pytest.fixture
def alice() -> Seller:
    return seller_create("alice@example.com", "Alice")


def _run(
    seller: Seller, csv_text: str, files: dict[str, bytes] | None, capture: DjangoCaptureOnCommitCallbacks
) -> BulkImport:
    zip_file = io.BytesIO(_zip(files)) if files is not None else None
    with capture(execute=True):  # the import task (eager) runs after commit, then the embed enqueues
        bulk = bulk_import_create(seller=seller, csv_file=io.BytesIO(csv_text.encode()), zip_file=zip_file)
    bulk.refresh_from_db()
    return bulk


GOOD_CSV = HEADER + (
    "Tote,AL-1,bag,30.00,3,tote-a.png;tote-b.png,Canvas\n"
    "Ankle boot,AL-2,Ankle boot,79.5,2,boot.jpg,\n"
    "Mini bag,AL-3,BAG,12,0,mini.png,\n"
)
GOOD_FILES = {
    "tote-a.png": photo("PNG", 0),
    "tote-b.png": photo("PNG", 1),
    "photos/boot.jpg": photo("JPEG", 2),  # found by its own name inside a folder
    "mini.png": photo("PNG", 3),
}


def test_import_creates_products_with_photos_and_rerun_doubles_nothing(alice, sent, django_capture_on_commit_callbacks):
    bulk = _run(alice, GOOD_CSV, GOOD_FILES, django_capture_on_commit_callbacks)
    assert (bulk.status, bulk.total_rows, bulk.processed_rows) == ("done", 3, 3)
    assert (bulk.created_count, bulk.updated_count, bulk.image_count, bulk.errors) == (3, 0, 4, [])
    products = {p.sku: p for p in Product.objects.filter(seller=alice)}
    assert (products["AL-1"].name, products["AL-1"].price, products["AL-1"].stock) == ("Tote", Decimal("30.00"), 3)
    assert products["AL-2"].category.slug == "ankle-boot" and products["AL-2"].price == Decimal("79.50")
    assert list(products["AL-1"].images.values_list("position", flat=True)) == [0, 1]
    assert len(sent) == 4  # each photo enqueued for embedding

    again = _run(alice, GOOD_CSV.replace("30.00", "32.00"), GOOD_FILES, django_capture_on_commit_callbacks)
    assert (again.status, again.created_count, again.updated_count, again.image_count) == ("done", 0, 3, 0)
    assert Product.objects.count() == 3 and ProductImage.objects.count() == 4
    assert Product.objects.get(sku="AL-1").price == Decimal("32.00")


def test_bad_rows_are_reported_and_good_rows_imported(alice, sent, django_capture_on_commit_callbacks):
    bob = seller_create("bob@example.com", "Bob")
    _run(
        bob,
        HEADER + "Bob's boot,BOB-1,bag,5,1,b.png,\n",
        {"b.png": photo("PNG", 4)},
        django_capture_on_commit_callbacks,
    )
    csv_text = HEADER + (
        "Good,OK-1,bag,10,1,good.png,\n"
        "Bad price,E-1,bag,ten,1,good.png,\n"
        "Negative,E-2,bag,-1,1,good.png,\n"
        "No such category,E-3,shoes,5,1,good.png,\n"
        "Missing photo,E-4,bag,5,1,nope.png,\n"
        "Traversal,E-5,bag,5,1,../evil.png,\n"
        "Not an image,E-6,bag,5,1,notes.png,\n"
        "Stolen SKU,BOB-1,bag,5,1,good.png,\n"
        "Bad stock,E-7,bag,5,1.5,good.png,\n"
        ",E-8,bag,5,1,good.png,\n"
        "No photos,E-9,bag,5,1,,\n"
        "Also good,OK-2,bag,5.5,0,good.png;other.png,\n"
    )
    files = {
        "good.png": photo("PNG", 5),
        "other.png": photo("PNG", 6),
        "notes.png": b"just text",
        "../evil.png": photo("PNG", 7),
    }
    bulk = _run(alice, csv_text, files, django_capture_on_commit_callbacks)
    assert (bulk.status, bulk.total_rows, bulk.processed_rows, bulk.created_count) == ("done", 12, 12, 2)
    assert [(e["row"], e["sku"], e["message"]) for e in bulk.errors] == [
        (3, "E-1", "The price “ten” is not a number like 19.99."),
        (4, "E-2", "The price “-1” must be 0 or more, with at most 2 decimals."),
        (5, "E-3", "Unknown category “shoes”."),
        (6, "E-4", "The photo “nope.png” is not in the ZIP."),
        (7, "E-5", "“../evil.png” is not a plain file name (no folders or “..”)."),
        (8, "E-6", "notes.png: The file is not a JPEG, PNG or WebP image."),
        (9, "BOB-1", "This SKU belongs to another seller's product."),
        (10, "E-7", "The stock “1.5” must be a whole number from 0 to 1,000,000."),
        (11, "E-8", "The name is empty or longer than 200 characters."),
        (12, "E-9", "No photos: list at least one file name in the images column."),
    ]
    assert sorted(Product.objects.filter(seller=alice).values_list("sku", flat=True)) == ["OK-1", "OK-2"]
    assert Product.objects.get(sku="BOB-1").name == "Bob's boot"


def test_zip_bomb_and_traversal_entries_write_nothing_outside_media(
    alice, sent, django_capture_on_commit_callbacks, settings, tmp_path
):
    # 200 MB of zeros deflate to ~200 KB: refused from the entry's size, never inflated.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("bomb.png", "w", force_zip64=True) as entry:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(200):
                entry.write(chunk)
        archive.writestr("../../outside.png", photo("PNG", 0))
        archive.writestr("/abs.png", photo("PNG", 0))
    assert len(buffer.getvalue()) < 1_000_000
    csv_text = HEADER + "Bomb,B-1,bag,5,1,bomb.png,\nOutside,B-2,bag,5,1,outside.png,\n"
    with django_capture_on_commit_callbacks(execute=True):
        bulk = bulk_import_create(seller=alice, csv_file=io.BytesIO(csv_text.encode()), zip_file=buffer)
    bulk.refresh_from_db()
    assert [(e["sku"], e["message"]) for e in bulk.errors] == [
        ("B-1", "The photo “bomb.png” is larger than 10 MB."),
        ("B-2", "The photo “outside.png” is not in the ZIP."),  # the ../ entry is never used
    ]
    assert Product.objects.count() == 0
    media = Path(settings.MEDIA_ROOT).resolve()
    written = [p for p in tmp_path.rglob("*") if p.is_file() and media not in p.resolve().parents]
    assert written == []


@pytest.mark.parametrize(
    "csv_bytes,zip_bytes,message",
    [
        (b"name,sku,price\nA,B,1\n", b"", "The CSV is missing the column(s): category, stock, images."),
        (HEADER.encode(), b"PK\x03\x04 not really a zip", "The photos file is not a ZIP archive."),
        ((HEADER + "Caf\xe9,C-1,bag,1,1,a.png,\n").encode("latin-1"), b"", "The CSV is not UTF-8 text."),
    ],
)
def test_files_refused_as_a_whole_store_nothing(alice, media_files, csv_bytes, zip_bytes, message):
    with pytest.raises(BulkImportRefused) as refused:
        bulk_import_create(
            seller=alice, csv_file=io.BytesIO(csv_bytes), zip_file=io.BytesIO(zip_bytes) if zip_bytes else None
        )
    assert str(refused.value) == message
    assert BulkImport.objects.count() == 0 and media_files() == []


def test_import_pages_show_progress_to_their_seller_only(client, alice, sent, django_capture_on_commit_callbacks):
    client.force_login(alice.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sellers:bulk_import_create"),
            {
                "csv_file": SimpleUploadedFile("p.csv", GOOD_CSV.encode(), content_type="text/csv"),
                "zip_file": SimpleUploadedFile("p.zip", _zip(GOOD_FILES), content_type="application/zip"),
            },
        )
    bulk = BulkImport.objects.get()
    assert response["Location"] == f"/sell/imports/{bulk.pk}/"
    status = client.get(reverse("sellers:bulk_import_status", kwargs={"import_id": bulk.pk})).json()
    assert {k: status[k] for k in ("status", "total_rows", "processed_rows", "progress_percent", "created")} == {
        "status": "done", "total_rows": 3, "processed_rows": 3, "progress_percent": 100, "created": 3,
    }  # fmt: skip
    assert (
        "3 created · 0 updated · 4 photos added"
        in client.get(reverse("sellers:bulk_import_detail", kwargs={"import_id": bulk.pk})).content.decode()
    )
    bob = seller_create("bob@example.com", "Bob")
    client.force_login(bob.user)
    assert client.get(reverse("sellers:bulk_import_detail", kwargs={"import_id": bulk.pk})).status_code == 404
    assert client.get(reverse("sellers:bulk_import_status", kwargs={"import_id": bulk.pk})).status_code == 404
