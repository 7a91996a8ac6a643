"""Bulk import under attack: photo references per row and per import are bounded, each photo is
read once, and an import that keeps crashing its worker is failed instead of redelivered forever
(security review H4), and one unexpected error fails one row, not the import (M4)."""

from __future__ import annotations

import io
import zipfile
from unittest import mock

import pytest
from django.utils import timezone

from accounts.models import Seller
from catalog.models import BulkImport, Product
from catalog.tests.factories import CategoryFactory, seller_create
from catalog.tests.image_files import photo
from sellers import bulk_import
from sellers.bulk_import import MAX_IMPORT_ATTEMPTS, bulk_import_create, bulk_import_run

pytestmark = pytest.mark.django_db

HEADER = "name,sku,category,price,stock,images\n"


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def categories() -> None:
    CategoryFactory.create(name="Bag", slug="bag")


@pytest.fixture
def alice() -> Seller:
    return seller_create("alice@example.com", "Alice")


def _stored(seller: Seller, csv_text: str, files: dict[str, bytes]) -> BulkImport:
    """A stored import, not run yet (its task is enqueued on commit, which never comes here)."""
    return bulk_import_create(seller=seller, csv_file=io.BytesIO(csv_text.encode()), zip_file=io.BytesIO(_zip(files)))


def test_a_row_with_more_than_ten_photos_is_refused_and_other_rows_imported(alice):
    files = {f"p{i}.png": photo("PNG", i) for i in range(11)}
    names = ";".join(files)
    bulk = _stored(alice, HEADER + f"Many,AL-1,bag,10,1,{names}\nOne,AL-2,bag,10,1,p0.png\n", files)
    bulk = bulk_import_run(import_id=bulk.pk)
    assert bulk.status == "done"
    assert bulk.errors == [{"row": 2, "sku": "AL-1", "message": "11 photos: a product has at most 10 photos per row."}]
    assert list(Product.objects.values_list("sku", flat=True)) == ["AL-2"]


def test_a_photo_named_five_times_in_a_row_is_read_once(alice):
    bulk = _stored(alice, HEADER + "Tote,AL-1,bag,10,1,a.png;a.png;a.png|a.png; a.png\n", {"a.png": photo("PNG", 0)})
    with mock.patch.object(bulk_import._Archive, "read", autospec=True, side_effect=bulk_import._Archive.read) as read:
        bulk = bulk_import_run(import_id=bulk.pk)
    assert (bulk.status, bulk.created_count, bulk.image_count, bulk.errors) == ("done", 1, 1, [])
    assert [call.args[1] for call in read.call_args_list] == ["a.png"]


def test_photo_bytes_read_per_import_are_capped(alice, monkeypatch):
    data = photo("PNG", 0)
    monkeypatch.setattr(bulk_import, "MAX_IMPORT_PHOTO_BYTES", 2 * len(data))
    csv_text = HEADER + "".join(f"Tote {i},AL-{i},bag,10,1,a.png\n" for i in range(3))
    bulk = bulk_import_run(import_id=_stored(alice, csv_text, {"a.png": data}).pk)
    assert (bulk.status, bulk.created_count) == ("done", 2)
    assert [(error["row"], error["message"]) for error in bulk.errors] == [
        (4, "The import has read 0 MB of photos, its limit: split the file.")
    ]


def test_an_import_that_stopped_too_often_is_failed_and_imports_nothing(alice):
    bulk = _stored(alice, HEADER + "Tote,AL-1,bag,10,1,a.png\n", {"a.png": photo("PNG", 0)})
    BulkImport.objects.filter(pk=bulk.pk).update(
        status=BulkImport.Status.RUNNING, attempt_count=MAX_IMPORT_ATTEMPTS, started_at=timezone.now()
    )
    bulk = bulk_import_run(import_id=bulk.pk)
    assert bulk.status == "failed"
    assert bulk.failure == "The import stopped 3 times before it finished; split the file and try again."
    assert bulk.finished_at is not None
    assert Product.objects.count() == 0


def test_each_run_is_counted(alice):
    bulk = _stored(alice, HEADER + "Tote,AL-1,bag,10,1,a.png\n", {"a.png": photo("PNG", 0)})
    BulkImport.objects.filter(pk=bulk.pk).update(status=BulkImport.Status.RUNNING, attempt_count=2)
    bulk = bulk_import_run(import_id=bulk.pk)  # the third and last run allowed
    assert (bulk.status, bulk.attempt_count, bulk.created_count) == ("done", 3, 1)
    assert bulk.started_at is not None
