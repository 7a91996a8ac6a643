from __future__ import annotations

from decimal import Decimal
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify

from .exceptions import InsufficientStock
from .images import file_sha256, image_open_validated
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
) -> Product:
    """Create a product; ``price`` is a ``Decimal`` in the shop currency. Raises ``ValidationError``."""
    product = Product(
        category=category,
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
    *, product: Product, file: IO[bytes], name: str, position: int = 0, enqueue: bool = True
) -> ProductImage:
    """Validate and store a product photo, then enqueue its embedding once the transaction commits.

    ``file`` is read fully and validated with ``image_open_validated`` (JPEG/PNG/WebP,
    ≤ 10 MB, ≤ 40 megapixels, must decode). Raises ``InvalidImage``; nothing is written then.
    ``enqueue=False`` leaves the image pending for a batch run of ``manage.py embed_images``.
    """
    from recommender.services import product_image_embed_enqueue

    image = image_open_validated(file, name=name)
    file.seek(0)
    product_image = ProductImage(
        product=product,
        sha256=file_sha256(file),
        position=position,
        width=image.width,
        height=image.height,
    )
    product_image.image.save(name, ContentFile(file.read()), save=False)
    try:
        product_image.full_clean()
        product_image.save()
    except Exception:
        product_image.image.delete(save=False)  # leave no orphan file behind
        raise
    if enqueue:
        product_image_embed_enqueue(image_ids=[product_image.pk])
    return product_image


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
