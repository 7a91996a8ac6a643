"""Product search: words, filters, facets, sorts, pages, and words fused with a photo's ranking.

``product_search`` is the one way in (the results page, the API, ``/api/products/?search=``, the
evaluation). How it works:

- The query is understood once, the same on both backends (``search.query``): normalised, typos
  corrected, partial words completed, synonyms and colour words resolved into *concepts*.
- A product matches when it matches every concept (if none does, any concept), in the database's
  full-text index (``search.schema``: FTS5 on SQLite, a GIN-indexed ``tsvector`` on PostgreSQL;
  ``search.backends``), and is active.
- Relevance is one integer formula on both backends (``search.backends``): field weights (name >
  colour/category > description), plus a boost for products in the category or of the colour the
  query names; ties newest first.
- Facets are counted in SQL over the matches, each ignoring its own filter.
- With ``photo_ranking`` (product ids ranked by a query photo), the text ranking and the photo
  ranking are fused by weighted reciprocal rank fusion::

      score = SEARCH_FUSION_TEXT_WEIGHT / (SEARCH_FUSION_K + text_rank)
            + SEARCH_FUSION_PHOTO_WEIGHT / (SEARCH_FUSION_K + photo_rank)
            + SEARCH_FUSION_COLOUR_BOOST * (product's colour is one the query names)

  ranks counted from 1; a product missing from a ranking gets no term from it. Colour words are
  taken out of the text ranking (every product of a colour matches a colour word equally, so
  ranking by it says nothing) and act through the boost, which outweighs any rank term: the
  products of the named colour come first, in the fused order. The candidates are the photo
  ranking plus the text ranking's best ``SEARCH_FUSION_TEXT_DEPTH``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

from catalog.colours import COLOUR_NAMES, colour_name_normalise
from catalog.models import Category, Product, ProductImage, sellable_q

from .backends import Sql, backend
from .query import Concept, ParsedQuery, Term, lexicon, normalise_words, query_parse

MAX_PAGE_SIZE = 100
_CENT = Decimal("0.01")


class SearchSort(models.TextChoices):
    RELEVANCE = "relevance", "Relevance"
    NEWEST = "newest", "Newest"
    PRICE_ASC = "price", "Price: low to high"
    PRICE_DESC = "-price", "Price: high to low"


@dataclass(frozen=True)
class SearchFilters:
    category: str | None = None  # category slug
    colour: str | None = None  # palette name, e.g. "Red" (case-insensitive on input)
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None  # True: only products with stock > 0


@dataclass(frozen=True)
class SearchHit:
    product: Product  # with category and primary image loaded for cards
    score: float  # higher is better; the fused score when a photo is given


@dataclass(frozen=True)
class CategoryFacet:
    slug: str
    name: str
    count: int


@dataclass(frozen=True)
class ColourFacet:
    name: str
    count: int


@dataclass(frozen=True)
class PriceRange:
    min: Decimal
    max: Decimal


@dataclass(frozen=True)
class SearchFacets:
    category: list[CategoryFacet]
    colour: list[ColourFacet]
    price: PriceRange | None
    in_stock: int


@dataclass(frozen=True)
class SearchResults:
    query: str  # the query as searched (normalised)
    count: int  # matches after filters
    hits: list[SearchHit]  # this page's
    facets: SearchFacets  # counts over the matches (facet counts ignore their own filter)
    page: int
    page_size: int
    num_pages: int
    did_you_mean: str | None  # a corrected query when the words were mis-spelt / no results


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "product" | "category" | "colour" | "query"
    label: str  # what to show
    url: str  # where picking it goes (product page, /search/?q=…&category=…, …)


# --- Matching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Group:
    """Matches with one category, colour and stock state: what facets are summed from."""

    category_id: int
    colour: str
    in_stock: bool
    count: int
    min_price: Decimal
    max_price: Decimal


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(_CENT)


@dataclass(frozen=True)
class _Match:
    """The SQL of one search: FROM/JOIN, WHERE (match + active) and the score expression."""

    from_sql: Sql
    where: Sql
    score: Sql

    def filtered(self, filters: Sequence[Sql]) -> Sql:
        return _and([self.where, *filters])


def _and(parts: Sequence[Sql]) -> Sql:
    parts = [p for p in parts if p.text]
    return Sql(" AND ".join(f"({p.text})" for p in parts), tuple(x for p in parts for x in p.params))


def _match(concepts: Sequence[Concept], *, any_concept: bool) -> _Match:
    engine = backend()
    active = engine.active()
    if not concepts:
        return _Match(Sql(engine.table), active, Sql("0"))
    return _Match(
        Sql(engine.table),
        _and([active, engine.match(concepts, any_concept=any_concept)]),
        engine.score(concepts, any_concept=any_concept),
    )


def _fetch(sql: Sql) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql.text, list(sql.params))
        return list(cursor.fetchall())


def _groups(match: _Match, filters: Sequence[Sql]) -> list[_Group]:
    in_stock = backend().in_stock
    sql = (
        Sql(f"SELECT p.category_id, p.colour, {in_stock}, COUNT(*), MIN(p.price), MAX(p.price) FROM ")
        + match.from_sql
        + Sql(" WHERE ")
        + match.filtered(filters)
        + Sql(" GROUP BY 1, 2, 3")
    )
    return [
        _Group(int(c), colour or "", bool(s), int(n), _decimal(lo), _decimal(hi))
        for c, colour, s, n, lo, hi in _fetch(sql)
    ]


def _price_sql(filters: SearchFilters) -> list[Sql]:
    parts = []
    if filters.min_price is not None:
        parts.append(Sql("p.price >= %s", (filters.min_price,)))
    if filters.max_price is not None:
        parts.append(Sql("p.price <= %s", (filters.max_price,)))
    return parts


def _filter_sql(
    filters: SearchFilters, category_id: int | None, colour: str | None, *, price: bool, in_stock: str | None = None
) -> list[Sql]:
    parts = []
    if filters.category is not None:
        parts.append(Sql("p.category_id = %s", (category_id if category_id is not None else -1,)))
    if filters.colour is not None:
        parts.append(Sql("p.colour = %s", (colour,)) if colour else Sql("1 = 0"))  # unknown: nothing
    if filters.in_stock:
        parts.append(Sql(in_stock or backend().in_stock))
    return parts + (_price_sql(filters) if price else [])


def _order_sql(sort: SearchSort, pk: str | None = None) -> str:
    pk = pk or backend().pk
    return {
        SearchSort.RELEVANCE: f"score DESC, p.created_at DESC, {pk} DESC",
        SearchSort.NEWEST: f"p.created_at DESC, {pk} DESC",
        SearchSort.PRICE_ASC: f"p.price ASC, {pk} ASC",
        SearchSort.PRICE_DESC: f"p.price DESC, {pk} DESC",
    }[sort]


# --- Facets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Wanted:
    """The filters as ids and names, applied to facet groups or candidate rows in Python."""

    category_id: int | None
    colour: str | None
    in_stock: bool
    has_category: bool
    has_colour: bool

    def passes(self, category_id: int, colour: str, in_stock: bool, *, skip: str = "") -> bool:
        if skip != "category" and self.has_category and category_id != self.category_id:
            return False
        if skip != "colour" and self.has_colour and colour != self.colour:
            return False
        return not (skip != "in_stock" and self.in_stock and not in_stock)


def _facets(
    groups: list[_Group], price_groups: list[_Group], wanted: _Wanted, categories: dict[int, tuple[str, str]]
) -> tuple[int, SearchFacets]:
    """(count, facets) from the groups of the matches (``price_groups``: the matches without the
    price filter, for the price range)."""
    by_category: dict[int, int] = {}
    by_colour: dict[str, int] = {}
    in_stock = count = 0
    for g in groups:
        if wanted.passes(g.category_id, g.colour, g.in_stock):
            count += g.count
        if wanted.passes(g.category_id, g.colour, g.in_stock, skip="category"):
            by_category[g.category_id] = by_category.get(g.category_id, 0) + g.count
        if g.colour and wanted.passes(g.category_id, g.colour, g.in_stock, skip="colour"):
            by_colour[g.colour] = by_colour.get(g.colour, 0) + g.count
        if g.in_stock and wanted.passes(g.category_id, g.colour, g.in_stock, skip="in_stock"):
            in_stock += g.count
    priced = [g for g in price_groups if wanted.passes(g.category_id, g.colour, g.in_stock)]
    price = PriceRange(min(g.min_price for g in priced), max(g.max_price for g in priced)) if priced else None
    palette = {name: i for i, name in enumerate(COLOUR_NAMES)}
    facets = SearchFacets(
        category=sorted(
            (CategoryFacet(slug=categories[c][0], name=categories[c][1], count=n) for c, n in by_category.items()),
            key=lambda f: (-f.count, f.name),
        ),
        colour=sorted(
            (ColourFacet(name=name, count=n) for name, n in by_colour.items()),
            key=lambda f: (-f.count, palette.get(f.name, 99)),
        ),
        price=price,
        in_stock=in_stock,
    )
    return count, facets


# --- Loading products -------------------------------------------------------------------------


def _products(ids: Sequence[int]) -> dict[int, Product]:
    """Active products for cards: category and the primary photo's file in one query."""
    primary = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id").values("image")[:1]
    queryset = (
        Product.objects.filter(sellable_q(), pk__in=list(ids))
        .select_related("category")
        .annotate(primary_image_name=Subquery(primary))
        .order_by()
    )
    return {p.pk: p for p in queryset}


def _hits(scored: Iterable[tuple[int, float]]) -> list[SearchHit]:
    scored = list(scored)
    products = _products([pid for pid, _ in scored])
    return [SearchHit(product=products[pid], score=score) for pid, score in scored if pid in products]


# --- The selector -----------------------------------------------------------------------------


def _clean_filters(filters: SearchFilters) -> tuple[_Wanted, int | None, str | None]:
    category_id = None
    if filters.category is not None:
        category_id = Category.objects.filter(slug=filters.category).values_list("id", flat=True).first()
    colour = colour_name_normalise(filters.colour) if filters.colour is not None else None
    wanted = _Wanted(
        category_id=category_id if category_id is not None else -1,
        colour=colour or "\x00none",
        in_stock=bool(filters.in_stock),
        has_category=filters.category is not None,
        has_colour=filters.colour is not None,
    )
    return wanted, category_id, colour


def product_search(
    *,
    query: str,
    filters: SearchFilters = SearchFilters(),  # noqa: B008 (a frozen dataclass: immutable default)
    sort: SearchSort = SearchSort.RELEVANCE,
    page: int = 1,
    page_size: int = 24,
    photo_ranking: Sequence[int] | None = None,
) -> SearchResults:
    """Search active products by words (and a photo's ranking), filtered, faceted, sorted, paged.

    ``query``: any text (empty: every active product, or the photo's ranking alone; at most
    ``SEARCH_MAX_QUERY_LENGTH`` characters are read; no character is query syntax).
    ``filters``: category slug, palette colour (any case), price range (inclusive), in stock;
    an unknown category or colour matches nothing. ``sort``: relevance (the fused score with a
    photo; newest first without words), newest, price up or down. ``page``: from 1 (a page past
    the end is the last page); ``page_size``: 1-100. ``photo_ranking``: product ids ranked by a
    query photo, best first (see the module docstring for the fusion). Never raises on input.
    """
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    parsed = query_parse(query)
    wanted, category_id, colour = _clean_filters(filters)
    categories = {cid: (slug, name) for cid, name, slug in _category_rows()}
    if photo_ranking is not None:
        return _fused_search(parsed, photo_ranking, filters, wanted, sort, page, page_size, categories)

    concepts = parsed.concepts
    if concepts:
        return _word_search(parsed, filters, wanted, category_id, colour, sort, page, page_size, categories)
    has_price = filters.min_price is not None or filters.max_price is not None
    price_only = _price_sql(filters)
    for any_concept in (False, True):
        match = _match(concepts, any_concept=any_concept)
        # Counted without the category, colour and stock filters (``_facets`` applies them, each
        # facet but its own); the price range without the price filter.
        groups = _groups(match, price_only)
        price_groups = _groups(match, []) if has_price else groups
        if price_groups or len(concepts) < 2:
            break  # else no product has every word: show those with any of them
    count, facets = _facets(groups, price_groups, wanted, categories)
    num_pages = max(1, math.ceil(count / page_size))
    page = max(1, min(int(page), num_pages))
    hits: list[SearchHit] = []
    if count:
        sql = (
            Sql(f"SELECT {backend().pk}, ")
            + match.score
            + Sql(" AS score FROM ")
            + match.from_sql
            + Sql(" WHERE ")
            + match.filtered(_filter_sql(filters, category_id, colour, price=True))
            + Sql(f" ORDER BY {_order_sql(sort)} LIMIT %s OFFSET %s", (page_size, (page - 1) * page_size))
        )
        hits = _hits((int(pid), float(score)) for pid, score in _fetch(sql))
    did_you_mean = parsed.corrected
    return SearchResults(
        query=parsed.normalised,
        count=count,
        hits=hits,
        facets=facets,
        page=page,
        page_size=page_size,
        num_pages=num_pages,
        did_you_mean=did_you_mean,
    )


# A page (by relevance: of the best-scored products; else of the matches) is looked for among
# the first this many active products in its sort's order (read in order from an index), and
# only for searches with at least _PROBE_MIN_MATCHES matches (fewer are scored and sorted
# whole, as cheaply). Not found there, every match is ordered.
_PROBE_ROWS = 5000
_PROBE_MIN_MATCHES = 500


def _named_count(concepts: Sequence[Concept], groups: list[_Group], wanted: _Wanted) -> int:
    """How many matches pass the filters and are in the category / of the colour every concept
    names: an upper bound on the products with the best score."""
    total = 0
    for g in groups:
        if not wanted.passes(g.category_id, g.colour, g.in_stock):
            continue
        if all(
            g.category_id in c.category_ids or g.colour in c.colours for c in concepts if c.category_ids or c.colours
        ):
            total += g.count
    return total


def _probe_page(
    condition: Sql, sort: SearchSort, offset: int, page_size: int, count: int, start: Sql = Sql("")
) -> list[int] | None:
    """The ids of the page (``offset``, ``page_size``) of the ``count`` active products that
    meet ``condition``, in ``sort``'s order (relevance: newest first), when they are found among
    the first ``_PROBE_ROWS`` active products in that order; else ``None``.

    The first products in a sort's order are read from its index (newest, price): a bounded scan
    that tests ``condition`` on at most ``_PROBE_ROWS`` rows, whatever the number of matches.
    Found ``offset + page_size`` of them there (or all ``count``), they are the page. ``start``:
    a condition every match meets that the index can start from (a price bound)."""
    engine = backend()
    pk = engine.pk.split(".")[-1]
    order = _order_sql(SearchSort.NEWEST if sort == SearchSort.RELEVANCE else sort)
    sql = (
        Sql(f"SELECT p.{pk} FROM (SELECT * FROM {engine.table} WHERE ")
        + _and([engine.active(), start])
        + Sql(f" ORDER BY {order} LIMIT %s) p WHERE ", (_PROBE_ROWS,))
        + condition
        + Sql(f" ORDER BY {order} LIMIT %s OFFSET %s", (page_size, offset))
    )
    ids = [int(pid) for (pid,) in _fetch(sql)]
    if len(ids) == page_size or (ids and offset + len(ids) == count):
        return ids
    return None


def _word_search(
    parsed: ParsedQuery,
    filters: SearchFilters,
    wanted: _Wanted,
    category_id: int | None,
    colour: str | None,
    sort: SearchSort,
    page: int,
    page_size: int,
    categories: dict[int, tuple[str, str]],
) -> SearchResults:
    """A search with words, in two bounded statements rather than one that scores every match:

    1. the facet groups: the matches grouped by category, colour, stock and price range, no
       score computed (counts, from one pass over the matches' copied columns);
    2. the page. By relevance, first the products with the best possible score
       (``best``: every concept in the name, every boost), which rank first, newest first:
       when they fill the page (the usual case: broad words name the category), the page is
       read from the name's index with a ``LIMIT`` and no other match is scored; else every
       match is scored and sorted. Other sorts read the page in order and score its rows alone.
    """
    engine = backend()
    concepts = parsed.concepts
    price_only = _price_sql(filters)
    in_range = _and(price_only) if price_only else Sql("1 = 1")
    for any_concept in (False, True):
        match = _match(concepts, any_concept=any_concept)
        sql = (
            Sql(f"SELECT p.category_id, p.colour, {engine.in_stock}, CASE WHEN ")
            + in_range
            + Sql(" THEN 1 ELSE 0 END, COUNT(*), MIN(p.price), MAX(p.price) FROM ")
            + match.from_sql
            + Sql(" WHERE ")
            + match.where
            + Sql(" GROUP BY 1, 2, 3, 4")
        )
        group_rows = _fetch(sql)
        if group_rows or len(concepts) < 2:
            break  # else no product has every word: show those with any of them
    price_groups = [
        _Group(int(r[0]), r[1] or "", bool(r[2]), int(r[4]), _decimal(r[5]), _decimal(r[6])) for r in group_rows
    ]
    groups = [g for g, r in zip(price_groups, group_rows, strict=True) if r[3]]
    count, facets = _facets(groups, price_groups, wanted, categories)
    num_pages = max(1, math.ceil(count / page_size))
    page = max(1, min(int(page), num_pages))  # past the last page: the last page instead
    offset = (page - 1) * page_size
    where_filters = _filter_sql(filters, category_id, colour, price=True)
    where = match.filtered(where_filters)
    scored: list[tuple[int, float]] = []
    probe = count >= _PROBE_MIN_MATCHES and sort.value in engine.windowed_sorts
    if count and sort == SearchSort.RELEVANCE:
        # The best-scored products rank first, newest first: worth a look only when enough
        # matches are in the named category / colour.
        if probe and not any_concept and _named_count(concepts, groups, wanted) >= min(offset + page_size, count):
            ids = _probe_page(_and([engine.best(concepts), *where_filters]), sort, offset, page_size, count)
            best = float(engine.best_score(concepts))
            scored = [(pid, best) for pid in ids or []]
        if not scored:
            sql = (
                Sql(f"SELECT {engine.pk}, ")
                + match.score
                + Sql(" AS score FROM ")
                + match.from_sql
                + Sql(" WHERE ")
                + where
                + Sql(f" ORDER BY {_order_sql(sort)} LIMIT %s OFFSET %s", (page_size, offset))
            )
            scored = [(int(pid), float(value)) for pid, value in _fetch(sql)]
    elif count:
        ids = None
        if probe:
            # By price, the window starts at the matches' lowest (highest) price, from the facets.
            priced = [g for g in groups if wanted.passes(g.category_id, g.colour, g.in_stock)]
            start = Sql("")
            if priced and sort == SearchSort.PRICE_ASC:
                start = Sql("p.price >= %s", (min(g.min_price for g in priced),))
            elif priced and sort == SearchSort.PRICE_DESC:
                start = Sql("p.price <= %s", (max(g.max_price for g in priced),))
            ids = _probe_page(where, sort, offset, page_size, count, start)
        if ids is None:
            # The matches first (the full-text index), then their order: read in the sort's
            # index order instead, a match the planner expects early can come last (the dearest
            # category's products, sorted by price up) after a scan of nearly every product.
            sql = (
                Sql(f"WITH m AS MATERIALIZED (SELECT {engine.pk} AS id, p.created_at, p.price FROM ")
                + match.from_sql
                + Sql(" WHERE ")
                + where
                + Sql(
                    f") SELECT p.id FROM m p ORDER BY {_order_sql(sort, 'p.id')} LIMIT %s OFFSET %s",
                    (page_size, offset),
                )
            )
            ids = [int(pid) for (pid,) in _fetch(sql)]
        if ids:
            sql = (
                Sql(f"SELECT {engine.pk}, ")
                + match.score
                + Sql(f" FROM {engine.table} WHERE {engine.pk} IN ({', '.join(['%s'] * len(ids))})", tuple(ids))
            )
            scores = {int(pid): float(value) for pid, value in _fetch(sql)}
            scored = [(pid, scores.get(pid, 0.0)) for pid in ids]
    return SearchResults(
        query=parsed.normalised,
        count=count,
        hits=_hits(scored),
        facets=facets,
        page=page,
        page_size=page_size,
        num_pages=num_pages,
        did_you_mean=parsed.corrected,
    )


def _category_rows() -> list[tuple[int, str, str]]:
    return list(Category.objects.values_list("id", "name", "slug"))


def _fused_search(
    parsed: ParsedQuery,
    photo_ranking: Sequence[int],
    filters: SearchFilters,
    wanted: _Wanted,
    sort: SearchSort,
    page: int,
    page_size: int,
    categories: dict[int, tuple[str, str]],
) -> SearchResults:
    """Words + photo: weighted reciprocal rank fusion (module docstring), in Python over the
    candidates (the photo ranking and the text ranking's best ``SEARCH_FUSION_TEXT_DEPTH``)."""
    k = settings.SEARCH_FUSION_K
    colours = parsed.colours
    # Colour-only concepts rank nothing (every product of the colour matches alike): boost instead.
    text_concepts = [c for c in parsed.concepts if not (c.colours and not c.category_ids)]
    text_rank: dict[int, int] = {}
    if text_concepts:
        for any_concept in (False, True):
            match = _match(text_concepts, any_concept=any_concept)
            sql = (
                Sql(f"SELECT {backend().pk}, ")
                + match.score
                + Sql(" AS score FROM ")
                + match.from_sql
                + Sql(" WHERE ")
                + match.where
                + Sql(f" ORDER BY {_order_sql(SearchSort.RELEVANCE)} LIMIT %s", (settings.SEARCH_FUSION_TEXT_DEPTH,))
            )
            rows = _fetch(sql)
            if rows or len(text_concepts) == 1:
                break
        text_rank = {int(pid): rank for rank, (pid, _) in enumerate(rows, 1)}
    photo_rank: dict[int, int] = {}
    for pid in photo_ranking:
        photo_rank.setdefault(int(pid), len(photo_rank) + 1)
    candidates = list(dict.fromkeys([*photo_rank, *text_rank]))
    rows_by_id = {
        row[0]: row
        for row in Product.objects.filter(sellable_q(), pk__in=candidates).values_list(
            "id", "category_id", "colour", "price", "stock", "created_at"
        )
    }
    scores: dict[int, float] = {}
    for pid in candidates:
        if pid not in rows_by_id:
            continue
        score = 0.0
        if pid in text_rank:
            score += settings.SEARCH_FUSION_TEXT_WEIGHT / (k + text_rank[pid])
        if pid in photo_rank:
            score += settings.SEARCH_FUSION_PHOTO_WEIGHT / (k + photo_rank[pid])
        if colours and rows_by_id[pid][2] in colours:
            score += settings.SEARCH_FUSION_COLOUR_BOOST
        scores[pid] = score

    groups: dict[tuple[int, str, bool], list[Any]] = {}
    price_groups: dict[tuple[int, str, bool], list[Any]] = {}
    kept = []
    for pid in scores:
        _, cat, col, price, stock, _created = rows_by_id[pid]
        key = (cat, col or "", stock > 0)
        in_range = (filters.min_price is None or price >= filters.min_price) and (
            filters.max_price is None or price <= filters.max_price
        )
        for target, include in ((groups, in_range), (price_groups, True)):
            if include:
                entry = target.setdefault(key, [0, price, price])
                entry[0] += 1
                entry[1], entry[2] = min(entry[1], price), max(entry[2], price)
        if in_range and wanted.passes(cat, col or "", stock > 0):
            kept.append(pid)

    def as_groups(source: dict[tuple[int, str, bool], list[Any]]) -> list[_Group]:
        return [_Group(c, col, s, n, _decimal(lo), _decimal(hi)) for (c, col, s), (n, lo, hi) in source.items()]

    count, facets = _facets(as_groups(groups), as_groups(price_groups), wanted, categories)
    order = {
        SearchSort.RELEVANCE: lambda pid: (-scores[pid], photo_rank.get(pid, 10**9), -pid),
        SearchSort.NEWEST: lambda pid: (-rows_by_id[pid][5].timestamp(), -pid),
        SearchSort.PRICE_ASC: lambda pid: (rows_by_id[pid][3], pid),
        SearchSort.PRICE_DESC: lambda pid: (-rows_by_id[pid][3], -pid),
    }[sort]
    kept.sort(key=order)
    num_pages = max(1, math.ceil(count / page_size))
    page = max(1, min(int(page), num_pages))
    chosen = kept[(page - 1) * page_size : page * page_size]
    return SearchResults(
        query=parsed.normalised,
        count=count,
        hits=_hits((pid, scores[pid]) for pid in chosen),
        facets=facets,
        page=page,
        page_size=page_size,
        num_pages=num_pages,
        did_you_mean=parsed.corrected,
    )


_CATALOG_SORTS = {"newest": SearchSort.NEWEST, "price_asc": SearchSort.PRICE_ASC, "price_desc": SearchSort.PRICE_DESC}


def product_search_page(
    *,
    query: str,
    category: str | None,
    min_price: Decimal | None,
    max_price: Decimal | None,
    sort: str | None,
    page: int,
    page_size: int,
) -> tuple[int, list[Product]]:
    """``/api/products/?search=`` (``catalog.text_search``): ``product_search``'s count and page
    of products, with the product list's sort names (none: relevance)."""
    results = product_search(
        query=query,
        filters=SearchFilters(category=category, min_price=min_price, max_price=max_price),
        sort=_CATALOG_SORTS.get(sort or "", SearchSort.RELEVANCE),
        page=page,
        page_size=page_size,
    )
    hits = results.hits if results.page == page else []  # past the last page: nothing
    return results.count, [h.product for h in hits]


# --- Suggestions ------------------------------------------------------------------------------


def _search_url(**params: str) -> str:
    try:
        page = reverse("search:results")
    except NoReverseMatch:  # the results page's URLs not installed (an API-only deployment)
        page = "/search/"
    return page + "?" + urlencode({k: v for k, v in params.items() if v})


def product_search_suggest(*, query: str, limit: int = 8) -> list[Suggestion]:
    """What to offer while ``query`` is typed: a corrected query (kind "query"), categories
    (their names and synonyms: "trainers" suggests Sneaker), colours, and products whose name
    has the words (the last one as a prefix). At most ``limit``; empty for an empty query.
    Cheap: one indexed full-text query with a ``LIMIT`` plus the categories."""
    limit = max(0, min(int(limit), 20))
    parsed = query_parse(query, partial_last=True)
    if not parsed.concepts or limit == 0:
        return []
    suggestions: list[Suggestion] = []
    if parsed.corrected:
        suggestions.append(Suggestion(kind="query", label=parsed.corrected, url=_search_url(q=parsed.corrected)))
    lex = lexicon()
    named_categories = {g.category_id: g for g in lex.groups if g.category_id is not None}
    last = parsed.concepts[-1]
    rest = " ".join(c.source for c in parsed.concepts[:-1])
    for category_id in sorted(last.category_ids, key=lambda cid: named_categories[cid].category_name or ""):
        group = named_categories[category_id]
        suggestions.append(
            Suggestion(
                kind="category",
                label=group.category_name or "",
                url=_search_url(q=rest, category=group.category_slug or ""),
            )
        )
    for colour in sorted(last.colours, key=COLOUR_NAMES.index):
        suggestions.append(Suggestion(kind="colour", label=colour, url=_search_url(q=rest, colour=colour)))
    room = limit - len(suggestions)
    typed_last = parsed.concepts[-1].source.split()[-1]
    tail_known = lex.completions(typed_last, 1) or any(
        lex.knows(word) for term in parsed.concepts[-1].terms for word in term.words
    )
    # A last word that no known word is or starts with (the vocabulary holds every product name's
    # words, refreshed every SEARCH_VOCABULARY_TTL_SECONDS) can match no name: skip the query,
    # which with its LIMIT would otherwise scan the whole index for rows it cannot find.
    if room > 0 and tail_known:
        # Products: every word in the name (the typed last word a prefix of a name word).
        name_concepts = [replace(c, category_ids=frozenset(), colours=frozenset()) for c in parsed.concepts]
        tail = parsed.concepts[-1]
        if not any(t.prefix for t in tail.terms) and len(tail.source) >= 2 and " " not in tail.source:
            name_concepts[-1] = replace(tail, terms=(*tail.terms, Term((tail.source,), prefix=True)))
        engine = backend()
        # The match reads the search index alone (with LIMIT); only its few rows fetch names.
        sql = (
            Sql("SELECT c.id, c.name, c.slug FROM catalog_product c WHERE c.id IN (")
            + engine.name_matches(name_concepts, limit=room * 4)
            + Sql(")")
        )
        typed = tail.source.split()[-1]

        def order(row: tuple[Any, ...]) -> tuple[bool, int, str]:
            # Names with a word starting as typed first ("bo": boots before burgundy things).
            return (not any(w.startswith(typed) for w in normalise_words(row[1])), len(row[1]), row[1])

        # A name several products share ("Grey sneakers") is offered once, as a search for it:
        # a list of identical labels leading to one arbitrary product helps nobody.
        rows = sorted(_fetch(sql), key=order)
        shared = Counter(name for _, name, _ in rows)
        offered = {s.label.lower() for s in suggestions}
        for _, name, slug in rows:
            if len(suggestions) >= limit:
                break
            if name.lower() in offered:
                continue
            offered.add(name.lower())
            if shared[name] > 1:
                suggestions.append(Suggestion(kind="query", label=name, url=_search_url(q=name)))
            else:
                url = reverse("shop:product_detail", kwargs={"slug": slug})
                suggestions.append(Suggestion(kind="product", label=name, url=url))
    return suggestions[:limit]
