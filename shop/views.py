from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from catalog.exceptions import ShopError
from catalog.selectors import category_get, category_list, product_get, product_list, product_newest_list
from recommender.selectors import product_similar_list
from recommender.services import image_search

from .forms import ImageSearchForm

PAGE_SIZE = 24
SIMILARITY_CHOICES = [("0", "Any"), ("0.5", "50%"), ("0.6", "60%"), ("0.7", "70%"), ("0.8", "80%"), ("0.9", "90%")]


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "shop/home.html",
        {"categories": category_list(), "newest": product_newest_list(limit=12)},
    )


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    category = category_get(slug=slug)
    products, filterset = product_list(filters={**request.GET.dict(), "category": category.slug})
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "shop/category_detail.html",
        {"category": category, "page": page, "filter": filterset},
    )


def _parse_similarity(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    return None if value is None else min(max(value, -1.0), 1.0)


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = product_get(slug=slug)
    same_category = request.GET.get("same_category") == "1"
    min_similarity = _parse_similarity(request.GET.get("min_similarity"))
    similar = product_similar_list(product=product, same_category=same_category, min_similarity=min_similarity)
    shown_min = min_similarity if min_similarity is not None else settings.SIMILAR_ITEMS_MIN_SIMILARITY
    return render(
        request,
        "shop/product_detail.html",
        {
            "product": product,
            "images": list(product.images.all()),
            "similar": similar,
            "same_category": same_category,
            "min_similarity_str": f"{shown_min:g}",
            "similarity_choices": SIMILARITY_CHOICES,
            "embedding_pending": not similar and product.images.exclude(embedding_status="embedded").exists(),
        },
    )


@require_http_methods(["GET", "POST"])
def image_search_view(request: HttpRequest) -> HttpResponse:
    """Find by photo: upload → predicted category → similar products. The photo is not kept."""
    if request.method != "POST":
        return render(request, "shop/image_search.html", {"form": ImageSearchForm()})
    form = ImageSearchForm(request.POST, request.FILES)
    result = None
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        upload = data["image"]
        try:
            result = image_search(
                file=upload,
                name=upload.name,
                category=data["category"] or None,
                min_price=data["min_price"],
                max_price=data["max_price"],
                sort=data["sort"] or "similarity",
            )
        except ShopError as exc:
            form.add_error("image", str(exc))
    if result is None:
        status = 400
    return render(request, "shop/image_search.html", {"form": form, "result": result}, status=status)
