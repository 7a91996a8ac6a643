from __future__ import annotations

import functools
import math

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from catalog.filters import product_filters_for_storefront
from catalog.selectors import (
    category_get,
    category_tile_list,
    product_get,
    product_list,
    product_newest_list,
    product_variant_list,
)
from core.api.throttling import PhotoSearchThrottle
from core.exceptions import ShopError
from core.limits import cart_line_quantity_max
from recommender.selectors import product_similar_list
from recommender.services import image_search, image_search_by_query
from search.photo import image_search_with_words

from .cart import request_cart
from .forms import CartAddForm, CartUpdateForm, ImageSearchForm
from .selectors import cart_summary
from .services import cart_add_product, cart_line_remove, cart_line_set_quantity
from .shipping import delivery_quotes

PAGE_SIZE = 24
#: the product page's "minimum match" choices: match scores (see recommender.selectors.MatchScale)
MATCH_CHOICES = [("", "Any"), ("0.5", "50% or better"), ("0.75", "75% or better"), ("0.9", "90% or better")]


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "shop/home.html",
        {"tiles": category_tile_list(), "newest": product_newest_list(limit=12)},
    )


def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A category's products with its filters; an invalid filter value (an old or shared link's
    ``?sort=popular``) is left out and said so, the category and the other filters kept."""
    category = category_get(slug=slug)
    filters = product_filters_for_storefront(data={**request.GET.dict(), "category": category.slug})
    products, filterset = product_list(filters=filters.data)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "shop/category_detail.html",
        {"category": category, "page": page, "filter": filterset, "filter_notices": filters.notices},
    )


def _parse_number(raw: str | None, low: float, high: float) -> float | None:
    try:
        value = float(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    return None if value is None or value != value else min(max(value, low), high)


def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = product_get(slug=slug)
    variants = product_variant_list(product=product)
    same_category = request.GET.get("same_category") == "1"
    min_similarity = _parse_number(request.GET.get("min_similarity"), -1.0, 1.0)
    min_score = _parse_number(request.GET.get("min_score"), 0.0, 1.0)
    similar = product_similar_list(
        product=product, same_category=same_category, min_similarity=min_similarity, min_score=min_score
    )
    return render(
        request,
        "shop/product_detail.html",
        {
            "product": product,
            "images": list(product.images.all()),
            "similar": similar,
            "same_category": same_category,
            "min_score_str": "" if min_score is None else f"{min_score:g}",
            "match_choices": MATCH_CHOICES,
            "embedding_pending": not similar and product.images.exclude(embedding_status="embedded").exists(),
            "max_quantity": max(1, min(product.stock, cart_line_quantity_max())),
            "variants": variants,
            "sized": len(variants) > 1 or any(v.size for v in variants),
            "delivery_quotes": delivery_quotes(start=timezone.localdate()),
            "return_days": settings.SHOP_RETURN_DAYS,
        },
    )


@require_http_methods(["GET", "POST"])
def image_search_view(request: HttpRequest) -> HttpResponse:
    """Find by photo: upload → predicted category → similar products. The photo is not kept.

    The page's script searches through the API and refines without uploading again; this plain
    form post is the same search without JavaScript (a later post without a photo carries the
    answer's ``query_id`` and searches its remembered vector)."""
    if request.method != "POST":
        # "Add a photo to this search" carries the words and filters of a text search along.
        return render(request, "shop/image_search.html", {"form": ImageSearchForm.carried(request.GET)})
    form = ImageSearchForm(request.POST, request.FILES)
    result = None
    throttle = PhotoSearchThrottle()
    if not throttle.allow_request(request, None):
        wait = math.ceil(throttle.wait() or 1)
        form.add_error(None, f"Too many photo searches from here. Try again in {wait} seconds.")
        return render(request, "shop/image_search.html", {"form": form, "result": None}, status=429)
    if form.is_valid():
        data = form.cleaned_data
        options = {
            "category": data["category"] or None,
            "min_price": data["min_price"],
            "max_price": data["max_price"],
        }
        upload = data["image"]
        if upload:
            search = functools.partial(image_search, file=upload, name=upload.name, box=data["box"], **options)
        else:
            search = functools.partial(image_search_by_query, query_id=data["query_id"], **options)
        try:
            # The words typed with the photo ("brown") filter by colour and re-rank (search.photo).
            result = image_search_with_words(
                search=search, q=data["q"], colour=data["colour"] or None, sort=data["sort"] or "similarity"
            )
        except ShopError as exc:
            form.add_error("image", str(exc))
    context = {"form": form, "result": result}
    return render(request, "shop/image_search.html", context, status=200 if result is not None else 400)


# --- Cart --------------------------------------------------------------------------


def _safe_next(request: HttpRequest, target: str | None, default: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def cart_detail(request: HttpRequest) -> HttpResponse:
    summary = cart_summary(cart=request_cart(request))
    return render(request, "shop/cart_detail.html", {"summary": summary, "max_quantity": cart_line_quantity_max()})


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    form = CartAddForm(request.POST)
    cart_url = reverse("shop:cart_detail")
    if not form.is_valid():
        messages.error(request, CartAddForm.invalid_quantity_message)
        return redirect(_safe_next(request, request.POST.get("next"), cart_url))
    data = form.cleaned_data
    try:
        line = cart_add_product(
            cart=request_cart(request, create=True),
            product_id=data["product_id"],
            variant_id=data["variant_id"],
            quantity=data["quantity"],
        )
    except ShopError as exc:
        messages.error(request, str(exc))
        return redirect(_safe_next(request, data["next"], cart_url))
    messages.success(request, f"Added {data['quantity']} × {line.variant} to your cart.")
    return redirect(_safe_next(request, data["next"], cart_url))


@require_POST
def cart_update(request: HttpRequest) -> HttpResponse:
    form = CartUpdateForm(request.POST)
    cart = request_cart(request)
    if not form.is_valid() or cart is None:
        messages.error(request, CartUpdateForm.invalid_quantity_message)
        return redirect("shop:cart_detail")
    try:
        cart_line_set_quantity(
            cart=cart,
            product_id=form.cleaned_data["product_id"],
            variant_id=form.cleaned_data["variant_id"],
            quantity=form.cleaned_data["quantity"],
        )
    except ShopError as exc:
        messages.error(request, str(exc))
    return redirect("shop:cart_detail")


@require_POST
def cart_remove(request: HttpRequest) -> HttpResponse:
    cart = request_cart(request)
    product_id, variant_id = request.POST.get("product_id", ""), request.POST.get("variant_id", "")
    if cart is not None and product_id.isdigit():
        size = int(variant_id) if variant_id.isdigit() else None
        cart_line_remove(cart=cart, product_id=int(product_id), variant_id=size)
    return redirect("shop:cart_detail")
