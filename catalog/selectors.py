from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, cast

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from .exceptions import CategoryNotFound, ProductNotFound
from .filters import ProductFilter
from .models import Category, Product, ProductImage, ProductVariant, sellable_q


def product_queryset_with_images(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """``queryset`` with each product's category and its photos (in position order) loaded."""
    return queryset.select_related("category").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))
    )


def product_queryset_active() -> QuerySet[Product]:
    """Products listed in the shop: active, and the shop's own or an approved seller's
    (``catalog.models.sellable_q``)."""
    return Product.objects.filter(sellable_q())


def category_list() -> QuerySet[Category]:
    """Categories with the number of active products (``active_product_count``)."""
    return Category.objects.annotate(active_product_count=Count("products", filter=sellable_q("products__"))).order_by(
        "position", "name"
    )


@dataclass(frozen=True)
class CategoryTile:
    """A category as the home page shows it."""

    category: Category
    product_count: int  # active products
    image: ProductImage | None  # the first photo of its newest active, in-stock product


def category_tile_list() -> list[CategoryTile]:
    """Every category in menu order with its number of active products and the first photo of
    its newest active product in stock (``None`` when it has none), in one query: the photo is a
    subquery per row, like ``products_by_ids``' card photo, and comes back as an unsaved
    ``ProductImage`` carrying just the file (enough for its thumbnails' URLs)."""
    newest_photo = (
        ProductImage.objects.filter(sellable_q("product__"), product__category=OuterRef("pk"), product__stock__gt=0)
        .order_by("-product__created_at", "-product__id", "position", "id")
        .values("image")[:1]
    )
    categories = Category.objects.annotate(
        active_product_count=Count("products", filter=sellable_q("products__")),
        tile_image_name=Subquery(newest_photo),
    ).order_by("position", "name")
    return [
        CategoryTile(
            category=category,
            product_count=category.active_product_count,
            image=ProductImage(image=category.tile_image_name) if category.tile_image_name else None,
        )
        for category in categories
    ]


def category_get(*, slug: str) -> Category:
    """Raises ``CategoryNotFound`` when no category has this slug."""
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise CategoryNotFound("No such category.") from None


def product_list(*, filters: Mapping[str, Any] | None = None) -> tuple[QuerySet[Product], ProductFilter]:
    """Active products filtered by ``category`` (slug), ``min_price``/``max_price`` and ``sort``
    (newest | price_asc | price_desc), newest first by default, with category and images loaded.

    Returns the queryset and the bound filter set (whose ``errors`` tell about invalid input:
    the API answers 400). The queryset ignores only the invalid filters, never the valid ones
    (an odd ``sort`` keeps the category).
    """
    data = dict(filters or {})
    data.setdefault("sort", "newest")
    filterset = ProductFilter(data=data, queryset=product_queryset_active().order_by("-created_at", "-id"))
    queryset = filterset.qs if filterset.is_valid() else filterset.without_invalid().qs
    return product_queryset_with_images(queryset), filterset


def product_newest_list(*, limit: int = 12) -> QuerySet[Product]:
    return product_queryset_with_images(product_queryset_active().order_by("-created_at", "-id"))[:limit]


def product_get(*, slug: str | None = None, pk: int | None = None) -> Product:
    """An active product with category, seller and images. Raises ``ProductNotFound`` when there is none."""
    lookup = {"slug": slug} if slug is not None else {"pk": pk}
    try:
        return product_queryset_with_images(product_queryset_active()).select_related("seller").get(**lookup)
    except Product.DoesNotExist:
        raise ProductNotFound("No such product.") from None


def product_variant_list(*, product: Product) -> list[ProductVariant]:
    """The product's sizes in their run's order (``position``), each with its stock and
    ``unit_price``; one variant of size "" for a product of one size."""
    variants = list(ProductVariant.objects.filter(product=product).order_by("position", "id"))
    for variant in variants:
        variant.product = product
    return variants


PRODUCT_CARD_FIELDS = (
    "id",
    "name",
    "slug",
    "price",
    "stock",
    "created_at",
    "category__id",
    "category__name",
    "category__slug",
)


def products_by_ids(*, ids: list[int]) -> dict[int, Product]:
    """Active products for product cards (the card's fields, category and images), keyed by
    id; missing or inactive ids are left out. Hot path of similar items and find by photo."""
    # One query: the card's photo comes from a subquery, not a prefetch of every image.
    primary = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("image")[:1]
    queryset = (
        product_queryset_active()
        .filter(pk__in=ids)
        .select_related("category")
        .only(*PRODUCT_CARD_FIELDS)
        .annotate(primary_image_name=Subquery(primary))
        .order_by()
    )
    return {p.pk: p for p in queryset}


# --- Indexing status ------------------------------------------------------------------------


def product_queryset_with_indexing_counts(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """``queryset`` annotated with ``image_count``, ``pending_image_count`` and
    ``failed_image_count``: what ``product_indexing_status`` reads without a query per product."""
    statuses = ProductImage.EmbeddingStatus
    return queryset.annotate(
        image_count=Count("images"),
        pending_image_count=Count("images", filter=Q(images__embedding_status=statuses.PENDING)),
        failed_image_count=Count("images", filter=Q(images__embedding_status=statuses.FAILED)),
    )


class _IndexingCounts(Protocol):
    """The counts ``product_queryset_with_indexing_counts`` annotates on a product."""

    image_count: int
    pending_image_count: int
    failed_image_count: int


def product_indexing_status(product: Product) -> Product.IndexingStatus:
    """``Product.IndexingStatus``: "indexing" while any photo waits for its embedding, "failed"
    when one failed, "indexed" when every photo is searchable, "no photos" without photos. Uses
    the counts annotated by ``product_queryset_with_indexing_counts`` when present."""
    if hasattr(product, "image_count"):
        counted = cast(_IndexingCounts, product)
        total, pending, failed = counted.image_count, counted.pending_image_count, counted.failed_image_count
    else:
        statuses = list(product.images.values_list("embedding_status", flat=True))
        embedding = ProductImage.EmbeddingStatus
        total, pending, failed = len(statuses), statuses.count(embedding.PENDING), statuses.count(embedding.FAILED)
    indexing = Product.IndexingStatus
    if total == 0:
        return indexing.NO_PHOTOS
    if pending:
        return indexing.INDEXING
    if failed:
        return indexing.FAILED
    return indexing.INDEXED


def product_image_embedding_counts() -> dict[str, int]:
    """How many product photos are waiting to be embedded and how many failed, as
    ``{"pending": n, "failed": m}`` (one query): the search index's backlog and its errors."""
    statuses = ProductImage.EmbeddingStatus
    return ProductImage.objects.aggregate(
        pending=Count("pk", filter=Q(embedding_status=statuses.PENDING)),
        failed=Count("pk", filter=Q(embedding_status=statuses.FAILED)),
    )
