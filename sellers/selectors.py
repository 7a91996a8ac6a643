"""Reads of a seller's own rows. Every one goes through the ownership rule, ``seller_owned``."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Seller
from catalog.exceptions import ProductNotFound
from catalog.models import BulkImport, Product, ProductImage
from catalog.selectors import product_queryset_with_indexing_counts

from .exceptions import BulkImportNotFound

_Owned = TypeVar("_Owned", Product, BulkImport)


def seller_owned(queryset: QuerySet[_Owned], *, seller: Seller | None) -> QuerySet[_Owned]:
    """The ownership rule: the rows of ``queryset`` (products, bulk imports) that belong to
    ``seller``, i.e. that they listed or started. Every seller page, API view, service and the
    bulk import reach a seller's rows through it; any other row is somebody else's.
    ``seller=None`` is the shop's own rows (no seller's)."""
    return queryset.filter(seller=seller)


def seller_product_list(*, seller: Seller | None, query: str = "") -> QuerySet[Product]:
    """The seller's products (archived ones too), newest first, with images and the counts
    behind ``catalog.selectors.product_indexing_status``. ``query``: only those whose name or
    SKU contains it (case-insensitive; blank: all)."""
    products = seller_owned(Product.objects.all(), seller=seller)
    query = query.strip()
    if query:
        products = products.filter(Q(name__icontains=query) | Q(sku__icontains=query))
    # The photos with the product each may duplicate: one query for all, not one per flagged photo.
    images = Prefetch("images", queryset=ProductImage.objects.select_related("duplicate_of").order_by("position", "id"))
    return (
        product_queryset_with_indexing_counts(products)
        .select_related("category")
        .prefetch_related(images)
        .order_by("-created_at", "-id")
    )


def seller_product_get(*, seller: Seller, product_id: int, for_update: bool = False) -> Product:
    """One of ``seller``'s products. Raises ``ProductNotFound`` for any other product, whoever owns it,
    so a seller cannot even learn that another seller's id exists."""
    queryset = seller_owned(Product.objects.all(), seller=seller)
    if for_update:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(pk=product_id)
    except (Product.DoesNotExist, ValueError, TypeError):
        raise ProductNotFound("No such product.") from None


def seller_bulk_import_list(*, seller: Seller, limit: int = 10) -> QuerySet[BulkImport]:
    """The seller's latest bulk imports, newest first (``BulkImport``'s default order), at most
    ``limit``."""
    return seller_owned(BulkImport.objects.all(), seller=seller)[:limit]


def seller_bulk_import_get(*, seller: Seller, import_id: int) -> BulkImport:
    """One of the seller's bulk imports. Raises ``BulkImportNotFound`` for anybody else's (or no
    such id)."""
    bulk = seller_owned(BulkImport.objects.filter(pk=import_id), seller=seller).first()
    if bulk is None:
        raise BulkImportNotFound("No such import.")
    return bulk
