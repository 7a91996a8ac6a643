"""Bulk import of a seller's products: a CSV (one product per row) and a ZIP of their photos.

CSV columns (header row, any order, case-insensitive): ``name``, ``sku``, ``category`` (slug
or name), ``price`` (e.g. 19.99, in SHOP_CURRENCY), ``stock`` (whole number), ``images`` (photo
file names in the ZIP, separated by ``;``), and optionally ``description`` and ``sizes``: each
size with its stock, ``S:3;M:5;L:0`` (sizes of the category's run, ``catalog.sizes``), which
replaces the product's sizes, the ``stock`` cell then left empty (or ignored).

Each row is imported in its own transaction: a bad row is reported (row number, SKU, reason)
and never stops the good ones. The SKU is the key: importing the same file again updates the
products and adds no photo twice (photos are matched by SHA-256). The ZIP is read in memory,
entry by entry, with size caps (a ZIP bomb is refused); nothing is ever extracted to disk, and
only validated, re-encoded photos are stored (through ``product_image_create``).
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
import zlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import PurePosixPath
from typing import IO, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Seller
from catalog.exceptions import InvalidImage
from catalog.images import file_sha256, image_open_validated
from catalog.models import BulkImport, Category, Product
from catalog.services import VariantSpec, product_image_create
from catalog.sizes import sizes_text_parse
from core.exceptions import ShopError
from core.limits import MAX_STOCK

from .selectors import seller_owned
from .services import seller_approval_check, seller_product_create, seller_product_update

REQUIRED_COLUMNS = ("name", "sku", "category", "price", "stock", "images")
OPTIONAL_COLUMNS = ("description", "sizes")
#: Every column the import reads, in the order of the downloadable template
#: (``bulk_import_template_csv``) and of the form's help text.
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
#: The template's example row, by column (a column missing here is left empty in it).
EXAMPLE_ROW = {
    "name": "Midnight ankle boot",
    "sku": "NOVA-001",
    "category": "ankle-boot",
    "price": "129.00",
    "stock": "5",
    "images": "boot-front.jpg;boot-side.jpg",
    "description": "Soft suede, rubber sole.",
}
MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
MAX_ZIP_BYTES = 500 * 1024 * 1024
MAX_ZIP_ENTRIES = 20_000
#: Photos one row may name (after removing repeats): a row's photos are held in memory together
#: (at most this many × IMAGE_UPLOAD_MAX_BYTES) while they are validated.
MAX_PHOTOS_PER_ROW = 10
#: Bytes of photos decompressed from the ZIP by one import, all rows together: a small ZIP whose
#: one highly compressed entry is named by thousands of rows cannot make the worker inflate
#: gigabytes. Twice the largest ZIP, so every photo of a legitimate archive can be read twice.
MAX_IMPORT_PHOTO_BYTES = 2 * MAX_ZIP_BYTES
#: Runs of one import (first delivery, redeliveries after a killed worker, retries): on the next
#: one it is marked failed instead, so an import that crashes its worker is not redelivered forever.
MAX_IMPORT_ATTEMPTS = 3
#: Rows failing with an unexpected error (a bug, a database fault: not a row's own mistake) that
#: one import tolerates; after that it stops and is marked failed.
MAX_UNEXPECTED_ROW_ERRORS = 20
#: An import still running this long after its latest run started has lost its worker (the
#: task's hard time limit is 3,700 s): ``bulk_import_fail_stale`` marks it failed.
STALE_RUNNING_AFTER = timedelta(hours=2)
#: ``zipfile`` reading one damaged, encrypted or oddly compressed entry.
_ZIP_ENTRY_ERRORS = (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, ValueError)

logger = logging.getLogger(__name__)


class BulkImportRefused(ShopError):
    """The files as a whole cannot be imported (too big, not a CSV/ZIP, missing columns)."""


class RowError(ShopError):
    """One row cannot be imported; the message says why."""


@dataclass
class _Photo:
    name: str
    data: bytes


def bulk_import_create(*, seller: Seller, csv_file: IO[bytes], zip_file: IO[bytes] | None) -> BulkImport:
    """Store the uploaded files and enqueue the import after commit. Raises
    ``BulkImportRefused`` (nothing stored) for files over the size limits, a CSV without the
    required columns, a file that is not a ZIP, or while another import of the seller's is
    waiting or running (one at a time: a seller cannot fill the import worker's queue);
    ``SellerNotApproved`` for an applicant."""
    seller_approval_check(seller=seller)
    unfinished = (BulkImport.Status.PENDING, BulkImport.Status.RUNNING)
    if BulkImport.objects.filter(seller=seller, status__in=unfinished).exists():
        raise BulkImportRefused("Another import of yours is still running; wait until it finishes.")
    if _size(csv_file) > MAX_CSV_BYTES:
        raise BulkImportRefused(f"The CSV is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB.")
    _csv_rows(csv_file.read())  # refuses a file without the required columns, before storing it
    csv_file.seek(0)
    if zip_file is not None:
        if _size(zip_file) > MAX_ZIP_BYTES:
            raise BulkImportRefused(f"The ZIP is larger than {MAX_ZIP_BYTES // (1024 * 1024)} MB.")
        if not zipfile.is_zipfile(zip_file):
            raise BulkImportRefused("The photos file is not a ZIP archive.")
        zip_file.seek(0)
    with transaction.atomic():
        bulk = BulkImport(seller=seller)
        bulk.csv_file.save("products.csv", ContentFile(csv_file.read()), save=False)
        if zip_file is not None:
            bulk.zip_file.save("photos.zip", File(zip_file), save=False)  # streamed, not read into memory
        bulk.save()
        from .tasks import bulk_import_run_task  # here: the task module imports this one

        transaction.on_commit(lambda: bulk_import_run_task.delay(bulk.pk))
    return bulk


def bulk_import_template_csv() -> str:
    """The CSV template sellers download: the header row (``COLUMNS``) and ``EXAMPLE_ROW``,
    CRLF line ends as spreadsheets write them. It parses back as one row of the import."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow([EXAMPLE_ROW.get(column, "") for column in COLUMNS])
    return out.getvalue()


def _size(file: IO[bytes]) -> int:
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    return size


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BulkImportRefused("The CSV is not UTF-8 text.") from None
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise BulkImportRefused(f"The CSV's header cannot be read: {exc}.") from None
    header = [(column or "").strip().lower() for column in (fieldnames or [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise BulkImportRefused(f"The CSV is missing the column(s): {', '.join(missing)}.")
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            rows.append({key: (value or "").strip() for key, value in row.items() if key})
            if len(rows) > MAX_ROWS:
                raise BulkImportRefused(f"The CSV has more than {MAX_ROWS:,} rows; split it.")
    except csv.Error as exc:  # a cell over the csv module's 128 KiB field limit, a NUL byte ...
        raise BulkImportRefused(f"The CSV cannot be read after row {len(rows) + 1}: {exc}.") from None
    return rows


def _is_plain_file_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return bool(name) and len(path.parts) == 1 and name not in (".", "..") and not name.startswith("/")


class _Archive:
    """The ZIP's photos by plain file name; entries in folders are found by their own name,
    entries whose path climbs out (``../``) or is absolute are never used."""

    def __init__(self, zip_file: zipfile.ZipFile | None) -> None:
        self.zip = zip_file
        self.entries: dict[str, zipfile.ZipInfo] = {}
        self.bytes_read = 0  # decompressed, all reads together (MAX_IMPORT_PHOTO_BYTES)
        if zip_file is None:
            return
        infos = zip_file.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise BulkImportRefused(f"The ZIP has more than {MAX_ZIP_ENTRIES:,} files.")
        for info in infos:
            path = PurePosixPath(info.filename.replace("\\", "/"))
            if info.is_dir() or path.is_absolute() or ".." in path.parts:
                continue
            self.entries.setdefault(path.name, info)

    def read(self, name: str) -> _Photo:
        if not _is_plain_file_name(name):
            raise RowError(f"“{name}” is not a plain file name (no folders or “..”).")
        info = self.entries.get(name)
        if info is None:
            raise RowError(f"The photo “{name}” is not in the ZIP.")
        limit = settings.IMAGE_UPLOAD_MAX_BYTES
        if info.file_size > limit:
            raise RowError(f"The photo “{name}” is larger than {limit // (1024 * 1024)} MB.")
        assert self.zip is not None  # an entry was found, so there is a ZIP
        if self.bytes_read + info.file_size > MAX_IMPORT_PHOTO_BYTES:
            limit_mb = MAX_IMPORT_PHOTO_BYTES // (1024 * 1024)
            raise RowError(f"The import has read {limit_mb} MB of photos, its limit: split the file.")
        try:
            with self.zip.open(info) as handle:
                data = handle.read(limit + 1)  # never more, whatever the entry claims
        except _ZIP_ENTRY_ERRORS:
            raise RowError(f"The photo “{name}” cannot be read from the ZIP (damaged or encrypted).") from None
        self.bytes_read += len(data)
        if len(data) > limit:
            raise RowError(f"The photo “{name}” is larger than {limit // (1024 * 1024)} MB.")
        return _Photo(name=name, data=data)


def _category(value: str) -> Category:
    category = Category.objects.filter(Q(slug__iexact=value) | Q(name__iexact=value)).first()
    if category is None:
        raise RowError(f"Unknown category “{value}”.")
    return category


def _price(value: str) -> Decimal:
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise RowError(f"The price “{value}” is not a number like 19.99.") from None
    if not price.is_finite() or price < 0 or price != price.quantize(Decimal("0.01")) or price >= Decimal("1e10"):
        raise RowError(f"The price “{value}” must be 0 or more, with at most 2 decimals.")
    return price.quantize(Decimal("0.01"))


def _stock(value: str) -> int:
    if not value.isdigit() or int(value) > MAX_STOCK:
        raise RowError(f"The stock “{value}” must be a whole number from 0 to {MAX_STOCK:,}.")
    return int(value)


def _import_row(seller: Seller, row: dict[str, str], archive: _Archive) -> tuple[str, int]:
    sku, name = row.get("sku", ""), row.get("name", "")
    if not sku or len(sku) > 64:
        raise RowError("The SKU is empty or longer than 64 characters.")
    if not name or len(name) > 200:
        raise RowError("The name is empty or longer than 200 characters.")
    fields: dict[str, Any] = {
        "name": name,
        "category": _category(row.get("category", "")),
        "price": _price(row.get("price", "")),
        "description": row.get("description", ""),
    }
    try:
        sizes = sizes_text_parse(row.get("sizes", ""), max_stock=MAX_STOCK)
    except ValueError as exc:
        raise RowError(f"sizes: {exc}") from None
    if sizes:
        fields["variants"] = [VariantSpec(size=size, stock=stock) for size, stock in sizes]
    else:
        fields["stock"] = _stock(row.get("stock", ""))
    # Each file once, in the row's order: a name repeated is read (and held in memory) once.
    names = list(
        dict.fromkeys(part.strip() for part in row.get("images", "").replace("|", ";").split(";") if part.strip())
    )
    if not names:
        raise RowError("No photos: list at least one file name in the images column.")
    if len(names) > MAX_PHOTOS_PER_ROW:
        raise RowError(f"{len(names)} photos: a product has at most {MAX_PHOTOS_PER_ROW} photos per row.")
    photos = [archive.read(photo_name) for photo_name in names]
    for photo in photos:  # all validated before anything is written
        try:
            image_open_validated(io.BytesIO(photo.data), name=photo.name)
        except InvalidImage as exc:
            raise RowError(f"{photo.name}: {exc}") from None
    with transaction.atomic():
        same_sku = Product.objects.select_for_update().filter(sku=sku)
        existing = same_sku.first()
        if existing is not None and not seller_owned(same_sku, seller=seller).exists():
            raise RowError("This SKU belongs to another seller's product.")
        if existing is None:
            product = seller_product_create(seller=seller, sku=sku, **fields)
            outcome = "created"
        else:
            product = seller_product_update(seller=seller, product_id=existing.pk, data=fields)
            outcome = "updated"
        known = set(product.images.values_list("sha256", flat=True))
        position = product.images.count()
        added = 0
        for photo in photos:
            digest = file_sha256(io.BytesIO(photo.data))
            if digest in known:
                continue  # imported before: re-running the same file adds nothing
            product_image_create(product=product, file=io.BytesIO(photo.data), name=photo.name, position=position)
            known.add(digest)
            position += 1
            added += 1
    return outcome, added


def bulk_import_run(*, import_id: int) -> BulkImport:
    """Import every row of a stored ``BulkImport`` (the Celery task's work). Safe to run again,
    e.g. after a worker was killed mid-import: rows already imported are matched by SKU and
    photos by SHA-256, so nothing is doubled. Progress is saved after each row."""
    bulk = BulkImport.objects.select_related("seller").get(pk=import_id)
    if bulk.status in (BulkImport.Status.DONE, BulkImport.Status.FAILED):
        return bulk
    if bulk.attempt_count >= MAX_IMPORT_ATTEMPTS:
        # Every earlier run ended without finishing (the worker was killed, e.g. out of memory,
        # or the task kept failing): fail it rather than let the message come back forever.
        return bulk_import_fail(
            import_id=bulk.pk,
            reason=f"The import stopped {bulk.attempt_count} times before it finished; split the file and try again.",
        )
    BulkImport.objects.filter(pk=bulk.pk).update(
        status=BulkImport.Status.RUNNING, attempt_count=F("attempt_count") + 1, started_at=timezone.now()
    )
    try:
        with bulk.csv_file.open("rb") as handle:
            rows = _csv_rows(handle.read())
        zip_handle = bulk.zip_file.open("rb") if bulk.zip_file else None
        try:
            archive = _Archive(zipfile.ZipFile(zip_handle) if zip_handle else None)
        except (zipfile.BadZipFile, BulkImportRefused) as exc:
            if zip_handle is not None:
                zip_handle.close()
            if isinstance(exc, BulkImportRefused):
                raise
            raise BulkImportRefused("The photos file is not a readable ZIP archive.") from None
    except BulkImportRefused as exc:
        return bulk_import_fail(import_id=bulk.pk, reason=str(exc))
    counts = {"created": 0, "updated": 0}
    images = 0
    unexpected = 0
    errors: list[dict] = []
    BulkImport.objects.filter(pk=bulk.pk).update(total_rows=len(rows), processed_rows=0, errors=[])
    try:
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            try:
                outcome, added = _import_row(bulk.seller, row, archive)
            except ShopError as exc:  # RowError, InvalidImage, SellerNotApproved ...
                errors.append({"row": number, "sku": row.get("sku", ""), "message": str(exc)})
            except ValidationError as exc:
                errors.append({"row": number, "sku": row.get("sku", ""), "message": " ".join(exc.messages)})
            except SoftTimeLimitExceeded:
                BulkImport.objects.filter(pk=bulk.pk).update(errors=errors)
                return bulk_import_fail(
                    import_id=bulk.pk,
                    reason=f"The import took too long and stopped at row {number}; split the file and import the rest.",
                )
            except Exception:  # a bug or a database fault: this row fails, the others go on
                logger.exception("Bulk import %s: row %s failed unexpectedly", bulk.pk, number)
                unexpected += 1
                errors.append(
                    {
                        "row": number,
                        "sku": row.get("sku", ""),
                        "message": "This row could not be imported (an error on our side).",
                    }
                )
                if unexpected >= MAX_UNEXPECTED_ROW_ERRORS:
                    BulkImport.objects.filter(pk=bulk.pk).update(errors=errors)
                    return bulk_import_fail(
                        import_id=bulk.pk,
                        reason=f"The import stopped at row {number} after {unexpected} errors on our side.",
                    )
            else:
                counts[outcome] += 1
                images += added
            BulkImport.objects.filter(pk=bulk.pk).update(
                processed_rows=number - 1,
                created_count=counts["created"],
                updated_count=counts["updated"],
                image_count=images,
                errors=errors,
            )
    finally:
        if zip_handle is not None:
            zip_handle.close()
    BulkImport.objects.filter(pk=bulk.pk).update(status=BulkImport.Status.DONE, finished_at=timezone.now())
    _files_delete(import_id=bulk.pk)
    bulk.refresh_from_db()
    return bulk


def bulk_import_fail(*, import_id: int, reason: str) -> BulkImport:
    """Mark an import that has not finished FAILED with ``reason`` (shown to the seller) and
    ``finished_at`` now, and delete its uploaded files; an import already DONE or FAILED is left
    as it is. Returns it, re-read."""
    BulkImport.objects.filter(pk=import_id).exclude(
        status__in=(BulkImport.Status.DONE, BulkImport.Status.FAILED)
    ).update(status=BulkImport.Status.FAILED, failure=reason, finished_at=timezone.now())
    _files_delete(import_id=import_id)
    return BulkImport.objects.get(pk=import_id)


def bulk_import_fail_stale() -> int:
    """Mark FAILED every import still RUNNING ``STALE_RUNNING_AFTER`` after its latest run
    started (its worker died and no redelivery came). Returns how many were marked."""
    stale = list(
        BulkImport.objects.filter(
            status=BulkImport.Status.RUNNING, started_at__lt=timezone.now() - STALE_RUNNING_AFTER
        ).values_list("pk", flat=True)
    )
    reason = "The import stopped before it finished; import the file again (rows already imported are kept)."
    for import_id in stale:
        bulk_import_fail(import_id=import_id, reason=reason)
    return len(stale)


def _files_delete(*, import_id: int) -> None:
    """Delete a finished import's uploaded CSV and ZIP (private storage) and clear their names."""
    bulk = BulkImport.objects.get(pk=import_id)
    for field_file in (bulk.csv_file, bulk.zip_file):
        if field_file.name:
            field_file.storage.delete(field_file.name)
    BulkImport.objects.filter(pk=import_id).update(csv_file="", zip_file="")
