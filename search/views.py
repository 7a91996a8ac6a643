from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from core.pagination import page_window

from .forms import SearchForm, SearchParams
from .selectors import SearchFilters, SearchResults, SearchSort, product_search, product_search_suggest

PAGE_SIZE = 24
#: how many popular products and nearest categories the no-results page offers
NO_RESULTS_PRODUCTS = 8
NO_RESULTS_CATEGORIES = 6


def _param_pairs(params: SearchParams, *, exclude: tuple[str, ...]) -> list[tuple[str, str]]:
    """The valid search parameters as query-string pairs, less ``exclude`` (for the hidden
    inputs of a form that sets the others)."""
    f = params.filters
    pairs = [
        ("q", params.query),
        ("category", f.category or ""),
        ("colour", f.colour or ""),
        ("min_price", "" if f.min_price is None else str(f.min_price)),
        ("max_price", "" if f.max_price is None else str(f.max_price)),
        ("in_stock", "1" if f.in_stock else ""),
        ("sort", "" if params.sort == SearchSort.RELEVANCE else params.sort.value),
    ]
    return [(name, value) for name, value in pairs if value and name not in exclude]


def search_results(request: HttpRequest) -> HttpResponse:
    """The results page: words (``q``) with facets (``category``, ``colour``, ``min_price``,
    ``max_price``, ``in_stock``), ``sort`` and ``page``. Invalid parameters are left out of the
    search and shown as errors, never a server error. With no results: a did-you-mean link, the
    nearest categories and popular products (the newest in stock)."""
    form = SearchForm(request.GET)
    form.is_valid()
    params = form.search_params()
    results = product_search(
        query=params.query, filters=params.filters, sort=params.sort, page=params.page, page_size=PAGE_SIZE
    )
    f = params.filters
    price_filtered = f.min_price is not None or f.max_price is not None
    active_filter_count = sum((f.category is not None, f.colour is not None, price_filtered, bool(f.in_stock)))
    # "Add a photo to this search": find by photo with the same words and filters (its form takes
    # q, colour, category and the price range).
    photo_params = _param_pairs(params, exclude=("in_stock", "sort"))
    photo_url = reverse("shop:image_search") + (f"?{urlencode(photo_params)}" if photo_params else "")
    context = {
        "form": form,
        "param_notices": form.ignored_notices(),
        "results": results,
        "query": params.query,
        "search_query": params.query,  # the header's box keeps the words
        "filters": params.filters,
        "sort": params.sort.value,
        "sort_choices": form.fields["sort"].choices,  # type: ignore[attr-defined]
        "selected_category": next((c for c in results.facets.category if c.slug == params.filters.category), None),
        "active_filter_count": active_filter_count,
        "has_filters": bool(active_filter_count),
        "clear_filters_url": reverse("search:results") + (f"?{urlencode({'q': params.query})}" if params.query else ""),
        "keep_for_sort": _param_pairs(params, exclude=("sort",)),
        "keep_for_price": _param_pairs(params, exclude=("min_price", "max_price", "in_stock")),
        "pages": page_window(page=results.page, num_pages=results.num_pages),
        "photo_url": photo_url,
    }
    if not results.count:
        context.update(_no_results_context(query=params.query, results=results))
    return render(request, "search/search_results.html", context)


def _no_results_context(*, query: str, results: SearchResults) -> dict[str, object]:
    popular = product_search(
        query="", filters=SearchFilters(in_stock=True), sort=SearchSort.NEWEST, page_size=NO_RESULTS_PRODUCTS
    )
    nearest = (
        [
            {"name": s.label, "url": s.url}
            for s in product_search_suggest(query=results.did_you_mean or query, limit=NO_RESULTS_CATEGORIES * 2)
            if s.kind == "category"
        ]
        if (results.did_you_mean or query)
        else []
    )
    if not nearest:  # nothing near the words: the categories with the most in stock
        nearest = [
            {"name": c.name, "url": reverse("search:results") + "?" + urlencode({"category": c.slug})}
            for c in sorted(popular.facets.category, key=lambda c: -c.count)
        ]
    return {"popular": [hit.product for hit in popular.hits], "nearest_categories": nearest[:NO_RESULTS_CATEGORIES]}
