from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404

from .filters import ProductFilter
from .models import Category, Product, ProductImage


def _with_images(queryset: QuerySet[Product]) -> QuerySet[Product]:
    return queryset.select_related("category").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id"))
    )


def product_queryset_active() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True)


def category_list() -> QuerySet[Category]:
    """Categories with the number of active products (``active_product_count``)."""
    return Category.objects.annotate(
        active_product_count=Count("products", filter=Q(products__is_active=True))
    ).order_by("position", "name")


def category_get(*, slug: str) -> Category:
    """Raises ``Http404`` when no category has this slug."""
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        raise Http404("No such category.") from None


def product_list(*, filters: Mapping[str, Any] | None = None) -> tuple[QuerySet[Product], ProductFilter]:
    """Active products filtered by ``category`` (slug), ``min_price``/``max_price`` and ``sort``
    (newest | price_asc | price_desc), newest first by default, with category and images loaded.

    Returns the queryset and the bound filter set (whose ``errors`` tell about invalid input;
    invalid filters are ignored rather than failing the page).
    """
    data = dict(filters or {})
    data.setdefault("sort", "newest")
    filterset = ProductFilter(data=data, queryset=product_queryset_active().order_by("-created_at", "-id"))
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset
    return _with_images(queryset), filterset


def product_newest_list(*, limit: int = 12) -> QuerySet[Product]:
    return _with_images(product_queryset_active().order_by("-created_at", "-id"))[:limit]


def product_get(*, slug: str | None = None, pk: int | None = None) -> Product:
    """An active product with category and images. Raises ``Http404`` when there is none."""
    lookup = {"slug": slug} if slug is not None else {"pk": pk}
    try:
        return _with_images(product_queryset_active()).get(**lookup)
    except Product.DoesNotExist:
        raise Http404("No such product.") from None


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
