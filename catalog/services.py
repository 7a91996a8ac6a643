from __future__ import annotations

from decimal import Decimal
from typing import IO, cast

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify

from accounts.models import Seller

from .exceptions import InsufficientStock
from .images import file_sha256, image_encode_stored, image_open_validated_with_format
from .indexing import product_image_index
from .models import Category, Product, ProductImage


@transaction.atomic
def category_get_or_create(*, name: str, slug: str | None = None, position: int = 0) -> Category:
    slug = slug or slugify(name)
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        category = Category(name=name, slug=slug, position=position)
        category.full_clean()
        category.save()
    return category


@transaction.atomic
def product_create(
    *,
    category: Category,
    name: str,
    sku: str,
    price: Decimal,
    stock: int = 0,
    description: str = "",
    slug: str | None = None,
    is_active: bool = True,
    seller: Seller | None = None,
) -> Product:
    """Create a product; ``price`` is a ``Decimal`` in the shop currency. Raises ``ValidationError``."""
    product = Product(
        category=category,
        seller=seller,
        name=name,
        sku=sku,
        slug=slug or slugify(f"{name}"),
        price=price,
        stock=stock,
        description=description,
        is_active=is_active,
    )
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_image_create(
    *,
    product: Product,
    file: IO[bytes],
    name: str,
    position: int = 0,
    enqueue: bool = True,
    thumbnails: bool = True,
) -> ProductImage:
    """Validate and store a product photo, then enqueue its embedding once the transaction commits.

    ``file`` is read fully and validated with ``image_open_validated`` (JPEG/PNG/WebP,
    ≤ 10 MB, ≤ 40 megapixels, must decode), then stored re-encoded by ``image_encode_stored``
    (no metadata, ≤ PRODUCT_IMAGE_MAX_SIDE px). Raises ``InvalidImage``; nothing is written then.
    ``enqueue=False`` leaves the image pending for a batch run of ``manage.py embed_images``;
    ``thumbnails=False`` leaves the thumbnails to be made on first view (a large batch import).
    """
    product_image = ProductImage(product=product, position=position)
    _photo_store(product_image=product_image, file=file, name=name, thumbnails=thumbnails)
    if enqueue:
        product_image_index().product_image_embed_enqueue(image_ids=[product_image.pk])
    return product_image


@transaction.atomic
def product_image_replace(*, product_image: ProductImage, file: IO[bytes], name: str) -> ProductImage:
    """Replace a stored photo's file through the upload pipeline, then embed it again.

    ``file`` is validated and re-encoded exactly as by ``product_image_create``; ``sha256``,
    ``width`` and ``height`` (pixels) become the new file's and the thumbnails are made. The old
    file and its resized copies are deleted once the transaction commits, and the photo is
    re-embedded (``product_image_reembed`` of the index, ``catalog.indexing``: the current model's vectors are
    deleted, the photo turns pending and is enqueued after commit). Only the file changes: other
    fields are taken from the row, read again under a lock. Returns the updated ``ProductImage``.
    Raises ``InvalidImage``; nothing is written then (the old file and vectors stay).
    """
    current = ProductImage.objects.select_for_update().get(pk=product_image.pk)
    old_files = _photo_file_names(current)
    _photo_store(product_image=current, file=file, name=name, thumbnails=True)
    _files_delete_on_commit(storage=current.image.storage, names=old_files)
    product_image_index().product_image_reembed(image_ids=[current.pk])
    current.refresh_from_db()  # pending, duplicate flag cleared
    return current


def _photo_store(*, product_image: ProductImage, file: IO[bytes], name: str, thumbnails: bool) -> None:
    """The upload pipeline's write: validate, re-encode, set ``sha256``/``width``/``height``,
    store the file, save the row and make the thumbnails. Raises ``InvalidImage`` before
    writing anything; on a later error the new file is removed again."""
    image, fmt = image_open_validated_with_format(file, name=name)
    data, stored_name, (width, height) = image_encode_stored(image, name=name, fmt=fmt)
    product_image.sha256 = file_sha256(file)  # of the upload as sent: the same file uploaded again matches
    product_image.width, product_image.height = width, height
    product_image.image.save(stored_name, ContentFile(data), save=False)
    try:
        product_image.full_clean()
        product_image.save()
        if thumbnails:  # now, so no shopper's page view waits for them
            for spec in (product_image.thumb, product_image.card, product_image.large):
                spec.generate()
    except Exception:
        product_image.image.delete(save=False)  # leave no orphan file behind
        raise


@transaction.atomic
def product_image_colours_set(*, colours: dict[int, list[dict[str, str | float]]]) -> None:
    """Store each photo's dominant colours (``{image id: [{"name": "Red", "share": 0.82}, ...]}``,
    palette names, largest first, as :mod:`recommender.colour` computes them) and summarise them on
    the products: ``Product.colour`` is the first colour of its first photo (by position) that has
    one, "" when none has. Unknown ids are ignored."""
    images = ProductImage.objects.filter(pk__in=colours).only("pk", "product_id")
    product_ids = set()
    for image in images:
        found = colours[image.pk]
        image.colours = found
        image.colour = str(found[0]["name"]) if found else ""
        product_ids.add(image.product_id)
    ProductImage.objects.bulk_update(images, ["colour", "colours"])
    product_colour_refresh(product_ids=sorted(product_ids))


def product_colour_refresh(*, product_ids: list[int]) -> None:
    """Set ``Product.colour`` of each product to its first photo's colour (by position, then id,
    among photos with a colour; "" when none), e.g. after photos were analysed, deleted or
    reordered."""
    first: dict[int, str] = {}
    rows = (
        ProductImage.objects.filter(product_id__in=product_ids)
        .exclude(colour="")
        .order_by("product_id", "position", "id")
        .values_list("product_id", "colour")
    )
    for product_id, colour in rows:
        first.setdefault(product_id, colour)
    for colour in set(first.values()) | {""}:
        ids = [pid for pid in product_ids if first.get(pid, "") == colour]
        if ids:
            Product.objects.filter(pk__in=ids).exclude(colour=colour).update(colour=colour)


@transaction.atomic
def product_stock_take(*, quantities: dict[int, int]) -> None:
    """Take ``quantities`` (product id → units > 0) out of stock, all or nothing.

    Each product is decremented by one conditional ``UPDATE … SET stock = stock - n WHERE
    stock >= n`` in product-id order (no deadlock between two orders sharing products); the
    database re-checks the condition after waiting for a concurrent writer, so stock never goes
    below zero. Raises ``InsufficientStock`` naming every product that ran short; nothing is
    taken then (the savepoint rolls back the products already decremented).
    """
    short: list[int] = []
    for product_id in sorted(quantities):
        quantity = quantities[product_id]
        if quantity <= 0:
            raise ValueError(f"quantity must be positive, got {quantity}")
        taken = Product.objects.filter(pk=product_id, stock__gte=quantity).update(stock=F("stock") - quantity)
        if not taken:
            short.append(product_id)
    if short:
        names = list(Product.objects.filter(pk__in=short).order_by("pk").values_list("name", flat=True))
        raise InsufficientStock(f"Sorry, {', '.join(names) or 'an item'} sold out.", product_names=names)


@transaction.atomic
def product_stock_return(*, quantities: dict[int, int]) -> None:
    """Put ``quantities`` (product id → units) back into stock (a cancelled or refunded order).
    Products deleted since are skipped."""
    for product_id in sorted(quantities):
        Product.objects.filter(pk=product_id).update(stock=F("stock") + quantities[product_id])


def product_image_files_delete(*, product_image: ProductImage) -> None:
    """Delete a photo's stored file and its resized copies, once the transaction commits."""
    _files_delete_on_commit(storage=product_image.image.storage, names=_photo_file_names(product_image))


def _photo_file_names(product_image: ProductImage) -> list[str]:
    """The stored file and its resized copies (which may not have been made yet)."""
    # a stored photo and its specs always have a name (the stubs allow None for unsaved files)
    return cast(
        "list[str]",
        [product_image.image.name]
        + [spec.name for spec in (product_image.thumb, product_image.card, product_image.large)],
    )


def _files_delete_on_commit(*, storage: Storage, names: list[str]) -> None:
    def delete() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)
