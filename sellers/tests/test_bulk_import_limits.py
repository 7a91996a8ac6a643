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

from .test_bulk_import import _zip

pytestmark = pytest.mark.django_db

HEADER = "name,sku,category,price,stock,images\n"


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


def _zip_with_corrupt_entry(files: dict[str, bytes], corrupt: str) -> bytes:
    """A ZIP (stored, not compressed) whose entry ``corrupt`` has one byte changed: Bad CRC-32."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    raw = bytearray(buffer.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as archive:
        info = archive.getinfo(corrupt)
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[data_start + info.file_size // 2] ^= 0xFF
    return bytes(raw)


def test_a_corrupt_zip_entry_fails_its_row_and_the_good_rows_are_imported(alice):
    files = {"bad.png": photo("PNG", 0), "good.png": photo("PNG", 1)}
    csv_text = HEADER + "Bad,AL-1,bag,10,1,bad.png\nGood,AL-2,bag,10,1,good.png\n"
    bulk = bulk_import_create(
        seller=alice,
        csv_file=io.BytesIO(csv_text.encode()),
        zip_file=io.BytesIO(_zip_with_corrupt_entry(files, "bad.png")),
    )
    bulk = bulk_import_run(import_id=bulk.pk)
    assert (bulk.status, bulk.created_count, bulk.image_count) == ("done", 1, 1)
    assert bulk.errors == [
        {"row": 2, "sku": "AL-1", "message": "The photo “bad.png” cannot be read from the ZIP (damaged or encrypted)."}
    ]
    assert list(Product.objects.values_list("sku", flat=True)) == ["AL-2"]


def _rows(count: int) -> str:
    return HEADER + "".join(f"Tote {i},AL-{i},bag,10,1,a.png\n" for i in range(1, count + 1))


def test_an_unexpected_error_in_one_row_is_recorded_and_the_import_goes_on(alice):
    bulk = _stored(alice, _rows(3), {"a.png": photo("PNG", 0)})
    real = bulk_import._import_row

    def import_row(seller, row, archive):
        if row["sku"] == "AL-1":
            raise KeyError("a bug")
        return real(seller, row, archive)

    with mock.patch.object(bulk_import, "_import_row", side_effect=import_row):
        bulk = bulk_import_run(import_id=bulk.pk)
    assert (bulk.status, bulk.processed_rows, bulk.created_count) == ("done", 3, 2)
    assert bulk.errors == [
        {"row": 2, "sku": "AL-1", "message": "This row could not be imported (an error on our side)."}
    ]


def test_the_soft_time_limit_marks_the_import_failed(alice):
    from celery.exceptions import SoftTimeLimitExceeded

    bulk = _stored(alice, _rows(4), {"a.png": photo("PNG", 0)})
    real = bulk_import._import_row

    def import_row(seller, row, archive):
        if row["sku"] == "AL-2":  # spreadsheet row 3
            raise SoftTimeLimitExceeded()
        return real(seller, row, archive)

    with mock.patch.object(bulk_import, "_import_row", side_effect=import_row):
        bulk = bulk_import_run(import_id=bulk.pk)
    assert bulk.status == "failed"
    assert bulk.failure == "The import took too long and stopped at row 3; split the file and import the rest."
    assert (bulk.processed_rows, bulk.created_count) == (1, 1)
    assert bulk.finished_at is not None


def test_a_task_that_fails_for_good_marks_its_import_failed(alice):
    from sellers.tasks import bulk_import_run_task

    bulk = _stored(alice, _rows(1), {"a.png": photo("PNG", 0)})
    with mock.patch("sellers.tasks.bulk_import_run", side_effect=RuntimeError("boom")):
        result = bulk_import_run_task.apply(args=(bulk.pk,), throw=False)  # as a worker runs it
    assert result.failed()
    bulk.refresh_from_db()
    assert (bulk.status, bulk.failure) == ("failed", "The import failed on our side; please try again later.")


def test_imports_left_running_are_swept_to_failed(alice):
    from datetime import timedelta

    from sellers.tasks import bulk_import_fail_stale_task

    stale = _stored(alice, _rows(1), {"a.png": photo("PNG", 0)})
    fresh = _stored(seller_create("bob@example.com", "Bob"), _rows(1), {"a.png": photo("PNG", 0)})
    now = timezone.now()
    BulkImport.objects.filter(pk=stale.pk).update(status="running", started_at=now - timedelta(hours=3))
    BulkImport.objects.filter(pk=fresh.pk).update(status="running", started_at=now - timedelta(minutes=10))
    assert bulk_import_fail_stale_task.apply().get() == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == ("failed", "running")
    assert stale.failure.startswith("The import stopped before it finished")


def test_uploads_are_stored_privately_under_unguessable_names_and_deleted_when_done(alice, settings, media_files):
    import re
    from pathlib import Path

    from django.core.files.storage import default_storage

    bulk = _stored(alice, _rows(1), {"a.png": photo("PNG", 0)})
    for field_file, extension in ((bulk.csv_file, "csv"), (bulk.zip_file, "zip")):
        assert field_file.storage is not default_storage
        assert re.fullmatch(rf"imports/[0-9a-f]{{32}}\.{extension}", field_file.name or "")
        path = Path(field_file.path)
        assert path.is_file() and path.is_relative_to(settings.PRIVATE_MEDIA_ROOT)
        assert not path.is_relative_to(settings.MEDIA_ROOT)
        with pytest.raises(ValueError):
            field_file.url  # noqa: B018  # no public URL at all
    paths = [Path(bulk.csv_file.path), Path(bulk.zip_file.path)]
    assert media_files() == []
    bulk = bulk_import_run(import_id=bulk.pk)
    assert (bulk.status, bulk.created_count) == ("done", 1)
    assert [path.exists() for path in paths] == [False, False]
    assert (bulk.csv_file.name, bulk.zip_file.name) == ("", "")


def test_uploads_of_a_failed_import_are_deleted(alice):
    from pathlib import Path

    bulk = _stored(alice, _rows(1), {"a.png": photo("PNG", 0)})
    csv_path, zip_path = Path(bulk.csv_file.path), Path(bulk.zip_file.path)
    zip_path.write_bytes(b"no longer a zip")
    bulk = bulk_import_run(import_id=bulk.pk)
    assert (bulk.status, bulk.failure) == ("failed", "The photos file is not a readable ZIP archive.")
    assert [csv_path.exists(), zip_path.exists()] == [False, False]


def test_import_uploads_are_not_reachable_under_media(alice, client, settings):
    settings.ROOT_URLCONF = "shop.tests.e2e_urls"  # serves MEDIA_ROOT at /media/, as nginx does
    bulk = _stored(alice, _rows(1), {"a.png": photo("PNG", 0)})
    assert client.get(f"/media/{bulk.csv_file.name}").status_code == 404
    assert client.get(f"/media/{bulk.zip_file.name}").status_code == 404


def test_a_csv_cell_over_the_field_limit_is_a_form_error_not_a_500(alice, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from sellers.bulk_import import BulkImportRefused

    huge = HEADER + "Tote,AL-1,bag,10,1,a.png\n" + "Tote,AL-2,bag,10,1," + "a" * 200_000 + "\n"
    with pytest.raises(BulkImportRefused, match=r"^The CSV cannot be read after row 2: field larger than field limit"):
        bulk_import_create(seller=alice, csv_file=io.BytesIO(huge.encode()), zip_file=None)
    client.force_login(alice.user)
    response = client.post(
        reverse("sellers:bulk_import_create"),
        {"csv_file": SimpleUploadedFile("products.csv", huge.encode(), content_type="text/csv")},
    )
    assert response.status_code == 400
    assert "The CSV cannot be read after row 2" in response.content.decode()
    assert BulkImport.objects.count() == 0


def test_a_seller_runs_one_import_at_a_time(alice):
    from sellers.bulk_import import BulkImportRefused

    first = _stored(alice, _rows(1), {"a.png": photo("PNG", 0)})
    with pytest.raises(BulkImportRefused, match="^Another import of yours is still running"):
        _stored(alice, _rows(1), {"a.png": photo("PNG", 0)})
    _stored(seller_create("bob@example.com", "Bob"), _rows(1), {"a.png": photo("PNG", 0)})  # others are not held up
    bulk_import_run(import_id=first.pk)
    assert _stored(alice, _rows(1), {"a.png": photo("PNG", 0)}).status == "pending"  # once it finished
    assert BulkImport.objects.filter(seller=alice).count() == 2
