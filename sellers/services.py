"""Writes on a seller's own products. Every seller service takes the seller and re-reads the
product through ``sellers.selectors.seller_product_get``: another seller's product is "not
found", whatever the caller checked. Photos take the catalog's one upload pipeline
(``catalog.services.product_image_create``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import slugify

from accounts.models import Seller
from accounts.selectors import seller_is_approved
from catalog.images import image_open_validated
from catalog.indexing import product_image_index
from catalog.models import Category, Product, ProductImage
from catalog.services import (
    VariantSpec,
    product_create,
    product_image_create,
    product_image_files_delete,
    product_variants_set,
)

from .exceptions import SellerNotApproved
from .selectors import seller_product_get

SELLER_EDITABLE_FIELDS = ("category", "name", "price", "stock", "description")


def seller_approval_check(*, seller: Seller | None) -> None:
    """The approval check of every seller write (publish, edit, publish again, bulk import):
    raises ``SellerNotApproved`` unless ``seller`` is approved (``accounts.selectors
    .seller_is_approved``, the one approval rule)."""
    if not seller_is_approved(seller):
        raise SellerNotApproved("Your seller account is not approved yet: you cannot publish products.")


def _uploads_validate(uploads: Sequence[UploadedFile]) -> None:
    """Validate every upload before any is stored: one bad photo refuses them all and no file
    is written (a rolled-back transaction would not remove files already stored)."""
    for upload in uploads:
        image_open_validated(upload, name=upload.name)
        upload.seek(0)


@transaction.atomic
def seller_product_create(
    *,
    seller: Seller,
    category: Category,
    name: str,
    sku: str,
    price: Decimal,
    stock: int = 0,
    description: str = "",
    images: Sequence[UploadedFile] | None = None,
    variants: Sequence[VariantSpec] | None = None,
) -> Product:
    """Publish a product for an approved seller with its photos (validated, stored, and
    enqueued for embedding after commit, in order) and its sizes (``variants``; without them,
    one size holding ``stock``). Raises ``SellerNotApproved``, ``InvalidImage`` (nothing is
    written then) or ``ValidationError`` (e.g. a SKU in use, a size not in the category's run)."""
    seller_approval_check(seller=seller)
    _uploads_validate(images or [])
    product = product_create(
        seller=seller,
        category=category,
        name=name,
        sku=sku,
        slug=slugify(f"{name}-{sku}")[:220],
        price=price,
        stock=stock,
        description=description,
        variants=variants or None,
    )
    # an upload always has a name (the stubs allow None for files not yet named)
    for position, upload in enumerate(images or []):
        product_image_create(product=product, file=upload, name=cast(str, upload.name), position=position)
    return product


@transaction.atomic
def seller_product_update(
    *,
    seller: Seller,
    product_id: int,
    data: Mapping[str, Any],
    new_images: Sequence[UploadedFile] | None = None,
    remove_image_ids: Sequence[int] | None = None,
) -> Product:
    """Change one of the seller's products (``SELLER_EDITABLE_FIELDS`` only), add photos and
    remove photos of *this* product. ``data["variants"]`` (``VariantSpec`` list) replaces its
    sizes (``product_variants_set``); ``data["stock"]`` sets the stock of a product of one size
    (a sized product's stock is per size: a ``ValidationError`` then). Raises
    ``ProductNotFound`` for another seller's product, ``SellerNotApproved``, ``InvalidImage`` or
    ``ValidationError``."""
    product = seller_product_get(seller=seller, product_id=product_id, for_update=True)
    seller_approval_check(seller=seller)
    _uploads_validate(new_images or [])
    for field in SELLER_EDITABLE_FIELDS:
        if field in data and field != "stock":
            setattr(product, field, data[field])
    product.full_clean()
    product.save()
    if data.get("variants"):
        product_variants_set(product=product, variants=data["variants"])
    elif "stock" in data:
        variants = list(product.variants.all())
        if len(variants) != 1 or variants[0].size:
            raise ValidationError({"stock": "This product is sold in sizes: set the stock of each size."})
        product_variants_set(product=product, variants=[VariantSpec(stock=data["stock"], sku=variants[0].sku)])
    if remove_image_ids:
        for image in ProductImage.objects.filter(product=product, pk__in=remove_image_ids):
            product_image_files_delete(product_image=image)
            image.delete()
    next_position = (product.images.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    for offset, upload in enumerate(new_images or []):
        product_image_create(product=product, file=upload, name=cast(str, upload.name), position=next_position + offset)
    return product


@transaction.atomic
def seller_product_set_active(*, seller: Seller, product_id: int, is_active: bool) -> Product:
    """Archive (``is_active=False``: hidden from the shop, kept for orders) or publish again one
    of the seller's products. Publishing needs an approved seller."""
    product = seller_product_get(seller=seller, product_id=product_id, for_update=True)
    if is_active:
        seller_approval_check(seller=seller)
    Product.objects.filter(pk=product.pk).update(is_active=is_active)
    product.is_active = is_active
    return product


def seller_product_reindex(*, seller: Seller, product_id: int) -> int:
    """Retry indexing one of the seller's products: its failed (or never embedded) photos are
    enqueued again. Returns how many. Raises ``ProductNotFound`` for anyone else's product."""
    product = seller_product_get(seller=seller, product_id=product_id)
    image_ids = list(product.images.values_list("pk", flat=True))
    return product_image_index().product_image_embedding_retry(image_ids=image_ids)
