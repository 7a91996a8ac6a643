from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, cast

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.text import slugify

from accounts.models import Seller

from .exceptions import InsufficientStock
from .images import file_sha256, image_encode_stored, image_open_validated_with_format
from .indexing import product_image_index
from .models import Category, Product, ProductImage, ProductVariant
from .sizes import ONE_SIZE, SizeRun, run_sizes, size_label, size_normalise, size_position


@transaction.atomic
def category_get_or_create(
    *, name: str, slug: str | None = None, position: int = 0, size_run: str = SizeRun.ONE_SIZE
) -> Category:
    """The category with this slug, created with ``name``, ``position`` and ``size_run`` (a
    ``catalog.sizes.SizeRun``) when there is none; an existing one is returned unchanged."""
    slug = slug or slugify(name)
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        category = Category(name=name, slug=slug, position=position, size_run=size_run)
        category.full_clean()
        category.save()
    return category


@dataclass(frozen=True)
class VariantSpec:
    """One size of a product as a seller gives it: ``size`` in any spelling its category's run
    accepts (``catalog.sizes.size_normalise``; "" for one size), units in ``stock``, its own
    ``sku`` ("" = the product's SKU plus the size) and ``price`` (None = the product's)."""

    size: str = ONE_SIZE
    stock: int = 0
    sku: str = ""
    price: Decimal | None = None


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
    variants: Sequence[VariantSpec] | None = None,
) -> Product:
    """Create a product with its variants; ``price`` is a ``Decimal`` in the shop currency.

    ``variants`` lists its sizes (``VariantSpec``); without them the product gets one variant of
    one size holding ``stock``. ``Product.stock`` becomes the sum of the variants' stock.
    Raises ``ValidationError`` (e.g. a SKU in use, a size not in the category's run)."""
    product = Product(
        category=category,
        seller=seller,
        name=name,
        sku=sku,
        slug=slug or slugify(f"{name}"),
        price=price,
        stock=0,
        description=description,
        is_active=is_active,
    )
    product.full_clean()
    product.save()
    product_variants_set(product=product, variants=variants if variants is not None else [VariantSpec(stock=stock)])
    return product


def _variants_normalised(*, category: Category, variants: Sequence[VariantSpec]) -> list[VariantSpec]:
    """``variants`` with sizes spelled as the category's run spells them, in the run's order.
    Raises ``ValidationError`` for no variant, an unknown or repeated size, or a blank size
    next to others."""
    run = category.size_run
    if not variants:
        raise ValidationError({"variants": "Give at least one size."})
    normalised: dict[str, VariantSpec] = {}
    for spec in variants:
        size = size_normalise(run, spec.size)
        if size is None and spec.size.strip() == "" and len(variants) == 1:
            size = ONE_SIZE  # a product without sizes in a sized category: sold as one size
        if size is None:
            sizes = ", ".join(size_label(s) for s in run_sizes(run))
            label = SizeRun(run).label
            raise ValidationError({"variants": f"“{spec.size}” is not a size of {category.name} ({label}: {sizes})."})
        if size in normalised:
            raise ValidationError({"variants": f"The size {size_label(size)} is given twice."})
        normalised[size] = VariantSpec(size=size, stock=spec.stock, sku=spec.sku.strip(), price=spec.price)
    if ONE_SIZE in normalised and len(normalised) > 1:
        raise ValidationError({"variants": "A product sold in sizes cannot also be sold as one size."})
    return sorted(normalised.values(), key=lambda spec: size_position(run, spec.size))


def variant_sku_default(*, product_sku: str, size: str) -> str:
    """A size's SKU when the seller gives none: the product's SKU, plus the size without spaces
    ("FM-12-EU42", "FM-12-XL"); the product's own SKU for one size."""
    return f"{product_sku}-{size.replace(' ', '')}"[:64] if size else product_sku


@transaction.atomic
def product_variants_set(*, product: Product, variants: Sequence[VariantSpec]) -> list[ProductVariant]:
    """Make ``variants`` the product's sizes: a size already there keeps its row (its cart and
    order lines) and takes the new stock, SKU and price; new sizes are added; sizes not listed
    are deleted (their cart lines go, order lines keep their snapshot). ``Product.stock``
    becomes their sum. Returns the variants in size order. Raises ``ValidationError`` (see
    ``_variants_normalised``; also a SKU another variant uses); nothing is changed then."""
    specs = _variants_normalised(category=product.category, variants=variants)
    existing = {variant.size: variant for variant in ProductVariant.objects.select_for_update().filter(product=product)}
    keep = {spec.size for spec in specs}
    ProductVariant.objects.filter(pk__in=[v.pk for size, v in existing.items() if size not in keep]).delete()
    result = []
    for position, spec in enumerate(specs):
        variant = existing.get(spec.size) or ProductVariant(product=product, size=spec.size)
        variant.sku = spec.sku or variant_sku_default(product_sku=product.sku, size=spec.size)
        variant.stock = spec.stock
        variant.price = spec.price
        variant.position = position
        variant.full_clean(exclude=["product"])
        variant.save()
        result.append(variant)
    product_stock_refresh(product_ids=[product.pk])
    product.stock = sum(v.stock for v in result)
    return result


def product_stock_refresh(*, product_ids: list[int]) -> None:
    """Set each product's ``stock`` to the sum of its variants' (0 without variants), in one
    ``UPDATE``: after its variants were written other than by ``variant_stock_take`` /
    ``variant_stock_return``, which keep the sum themselves."""
    total = (
        ProductVariant.objects.filter(product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(total=Sum("stock"))
        .values("total")
    )
    Product.objects.filter(pk__in=product_ids).update(stock=Coalesce(Subquery(total), 0))


@transaction.atomic
def product_variant_stock_set(*, variant: ProductVariant, stock: int) -> ProductVariant:
    """Set one size's stock (staff, a seller's edit or a test's "sold meanwhile"), the product's
    sum with it. Raises ``ValidationError`` for a negative stock."""
    if stock < 0:
        raise ValidationError({"stock": "Stock cannot be negative."})
    ProductVariant.objects.filter(pk=variant.pk).update(stock=stock)
    product_stock_refresh(product_ids=[variant.product_id])
    variant.stock = stock
    return variant


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
def variant_stock_take(*, quantities: dict[int, int]) -> None:
    """Take ``quantities`` (variant id → units > 0) out of stock, all or nothing.

    Each variant is decremented by one conditional ``UPDATE … SET stock = stock - n WHERE
    stock >= n`` in variant-id order; the database re-checks the condition after waiting for a
    concurrent writer, so stock never goes below zero. Then each product's summed ``stock``
    follows (``F()`` updates, in product-id order: two orders sharing products lock them in the
    same order, so they cannot deadlock). Raises ``InsufficientStock`` naming every size that
    ran short ("Trainers (EU 42)"); nothing is taken then (the savepoint rolls back).
    """
    short: list[int] = []
    for variant_id in sorted(quantities):
        quantity = quantities[variant_id]
        if quantity <= 0:
            raise ValueError(f"quantity must be positive, got {quantity}")
        taken = ProductVariant.objects.filter(pk=variant_id, stock__gte=quantity).update(stock=F("stock") - quantity)
        if not taken:
            short.append(variant_id)
    if short:
        variants = ProductVariant.objects.filter(pk__in=short).select_related("product").order_by("pk")
        names = [str(variant) for variant in variants]
        raise InsufficientStock(f"Sorry, {', '.join(names) or 'an item'} sold out.", product_names=names)
    _product_stock_add(quantities=quantities, sign=-1)


@transaction.atomic
def variant_stock_return(*, quantities: dict[int, int]) -> None:
    """Put ``quantities`` (variant id → units) back into stock (a cancelled or refunded order),
    the products' sums with them. Variants deleted since are skipped."""
    for variant_id in sorted(quantities):
        ProductVariant.objects.filter(pk=variant_id).update(stock=F("stock") + quantities[variant_id])
    _product_stock_add(quantities=quantities, sign=1)


def _product_stock_add(*, quantities: dict[int, int], sign: int) -> None:
    per_product: dict[int, int] = {}
    for variant_id, product_id in ProductVariant.objects.filter(pk__in=quantities).values_list("pk", "product_id"):
        per_product[product_id] = per_product.get(product_id, 0) + quantities[variant_id]
    for product_id in sorted(per_product):
        Product.objects.filter(pk=product_id).update(stock=F("stock") + sign * per_product[product_id])


def product_image_files_delete(*, product_image: ProductImage) -> None:
    """Delete a photo's stored file and its resized copies, once the transaction commits."""
    _files_delete_on_commit(storage=product_image.image.storage, names=_photo_file_names(product_image))


@transaction.atomic
def product_images_delete(*, images: Iterable[ProductImage]) -> int:
    """Delete photos (their rows, hence their embeddings) and, once the transaction commits, their
    stored files and resized copies: what the admin's delete actions and inline delete boxes call,
    so no deleted photo stays public under ``/media/``. Returns how many were deleted."""
    count = 0
    for image in images:
        product_image_files_delete(product_image=image)
        image.delete()
        count += 1
    return count


@transaction.atomic
def products_delete(*, products: Iterable[Product]) -> int:
    """Delete products with their photos' files (after commit), sizes and embeddings. Order lines
    keep their snapshot (``OrderLine.product`` is SET_NULL). Returns how many were deleted."""
    count = 0
    for product in products:
        product_images_delete(images=list(product.images.all()))
        product.delete()
        count += 1
    return count


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
