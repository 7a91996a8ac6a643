"""Evaluation of text search on a labelled query set (``manage.py evaluate_search``).

The query set (``search/data/queries.csv``) is what shoppers type, written without looking at
the engine's synonyms: one row per query with its **subset** and its **labels**, a category slug
(:data:`catalog.fashion_mnist.CATEGORIES`) and/or a palette colour (:data:`catalog.colours.COLOUR_NAMES`).
Subsets: ``category`` (category words, singular and plural), ``synonym`` (everyday and
British/American words for a category), ``partial`` (prefixes, as typed before the word is
finished), ``typo`` (one or two realistic keyboard slips), ``colour_category`` ("red dress") and
``colour`` (a colour alone).

A product is **relevant** to a query when it matches every non-empty label. The truth about a
demo product is its category and the colour it was *dyed* (:func:`catalog.fashion_mnist.product_colour`
of the train image in its SKU ``FM-<index>``), not what the engine or the colour worker computed;
other products fall back to their stored ``Product.colour``.

Metrics per query, averaged overall and per subset:

``precision@k``
    relevant products among the first ``k`` results / min(k, R), R = relevant products among the
    active catalog (so a tiny catalog with fewer than ``k`` relevant products can still score 1;
    on the 5,000-product demo catalog R >= 10 for every query, so this is plain precision@k).
``recall@100``
    relevant products among the first 100 results / min(100, R).
``MRR``
    1 / the rank of the first relevant result (0 when none is in the first 100).
"""

from __future__ import annotations

import csv
import os
import platform
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection

from catalog import fashion_mnist as fm
from catalog.colours import COLOUR_NAMES
from catalog.models import Product

from .selectors import SearchResults, product_search

QUERY_SET_PATH = Path(__file__).resolve().parent / "data" / "queries.csv"
SUBSETS: tuple[str, ...] = ("category", "synonym", "partial", "typo", "colour_category", "colour")
CATEGORY_SLUGS: frozenset[str] = frozenset(slug for _, slug, _ in fm.CATEGORIES)
#: How many results recall and MRR look at.
DEPTH = 100

#: Input a shop's search box gets that is not a product query: each must answer a normal or an
#: empty result, never an error (empty, very long, FTS5 / tsquery / SQL syntax, non-Latin, NUL).
BAD_INPUTS: tuple[str, ...] = (
    "",
    "   ",
    "dress " * 166 + "dres",  # 1,000 characters
    "x" * 1000,
    '"',
    '"dress',
    "*",
    "dre*",
    "NEAR(",
    "NEAR(dress coat)",
    "OR",
    "dress OR",
    "AND NOT",
    "-dress",
    "dress:*",
    "name:dress",
    "(",
    "!!! ???",
    "%_%",
    "'; DROP TABLE catalog_product; --",
    "платье",
    "连衣裙",
    "ドレス",
    "فستان",
    "👗",
    "dress\x00",
)


class QuerySetError(ValueError):
    """A query set row has an unknown subset, an invalid label, or no label at all."""


@dataclass(frozen=True)
class LabelledQuery:
    query: str
    subset: str
    category: str  #: category slug, or "" (any category)
    colour: str  #: palette name, or "" (any colour)

    def relevant(self, truth: tuple[str, str]) -> bool:
        """Whether a product whose (category slug, colour) is ``truth`` matches every label."""
        category, colour = truth
        return (not self.category or self.category == category) and (not self.colour or self.colour == colour)


def _row_problem(query: LabelledQuery) -> str | None:
    if not query.query.strip():
        return "an empty query"
    if query.subset not in SUBSETS:
        return f"unknown subset {query.subset!r}"
    if query.category and query.category not in CATEGORY_SLUGS:
        return f"unknown category {query.category!r}"
    if query.colour and query.colour not in COLOUR_NAMES:
        return f"unknown colour {query.colour!r}"
    if not query.category and not query.colour:
        return "no label"
    return None


def query_set_load(*, path: Path = QUERY_SET_PATH) -> list[LabelledQuery]:
    """The labelled queries in ``path`` (CSV with header ``query,subset,category,colour``), in file
    order; the query is kept as written (spaces and case included). Raises ``QuerySetError``."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["query", "subset", "category", "colour"]:
            raise QuerySetError(f"{path}: header must be query,subset,category,colour, not {reader.fieldnames}")
        queries = []
        for line, row in enumerate(reader, start=2):
            query = LabelledQuery(
                query=row["query"], subset=row["subset"], category=row["category"], colour=row["colour"]
            )
            problem = _row_problem(query)
            if problem:
                raise QuerySetError(f"{path}:{line}: {problem}")
            queries.append(query)
    return queries


def product_truth(product: Product) -> tuple[str, str]:
    """(category slug, colour) of ``product``: a demo product's dyed colour from its SKU
    ``FM-<train index>``, else its stored ``colour`` (palette name or "")."""
    sku = product.sku
    if sku.startswith("FM-") and sku[3:].isdigit():
        return product.category.slug, fm.product_colour(int(sku[3:]))[0]
    return product.category.slug, product.colour


def catalog_truth() -> dict[int, tuple[str, str]]:
    """{product id: (category slug, colour)} for every active product."""
    products = Product.objects.filter(is_active=True).select_related("category").only("sku", "colour", "category__slug")
    return {product.pk: product_truth(product) for product in products}


@dataclass
class QueryResult:
    query: LabelledQuery
    relevant_total: int  #: R: relevant active products in the catalog
    count: int  #: matches the engine reported
    top: list[str]  #: SKUs of the first ``DEPTH`` results, best first
    hits: list[bool]  #: relevance of each of ``top``
    did_you_mean: str | None
    seconds: float
    k: int = 10

    @property
    def precision(self) -> float:
        denominator = min(self.k, self.relevant_total)
        return sum(self.hits[: self.k]) / denominator if denominator else 0.0

    @property
    def recall(self) -> float:
        denominator = min(DEPTH, self.relevant_total)
        return sum(self.hits[:DEPTH]) / denominator if denominator else 0.0

    @property
    def reciprocal_rank(self) -> float:
        return next((1.0 / rank for rank, hit in enumerate(self.hits, start=1) if hit), 0.0)


@dataclass
class Summary:
    queries: int
    precision: float
    recall: float
    mrr: float

    @classmethod
    def of(cls, results: Sequence[QueryResult]) -> Summary:
        n = len(results)
        return cls(
            queries=n,
            precision=round(sum(r.precision for r in results) / n, 4) if n else 0.0,
            recall=round(sum(r.recall for r in results) / n, 4) if n else 0.0,
            mrr=round(sum(r.reciprocal_rank for r in results) / n, 4) if n else 0.0,
        )


@dataclass
class Evaluation:
    k: int
    results: list[QueryResult]
    overall: Summary = field(init=False)
    subsets: dict[str, Summary] = field(init=False)

    def __post_init__(self) -> None:
        self.overall = Summary.of(self.results)
        self.subsets = {
            subset: Summary.of([r for r in self.results if r.query.subset == subset])
            for subset in SUBSETS
            if any(r.query.subset == subset for r in self.results)
        }

    def worst(self, n: int = 15) -> list[QueryResult]:
        """The ``n`` queries with the lowest precision@k (then lowest MRR), in file order among ties."""
        return sorted(self.results, key=lambda r: (r.precision, r.reciprocal_rank))[:n]


Search = Callable[[str, int], SearchResults]


def _default_search(query: str, depth: int) -> SearchResults:
    return product_search(query=query, page=1, page_size=depth)


def search_evaluate(*, queries: Iterable[LabelledQuery], k: int = 10, search: Search = _default_search) -> Evaluation:
    """Run every query through ``search`` (default: ``product_search`` with no filters, relevance
    order, one page of ``DEPTH`` results) on the current database's active catalog and score it
    against :func:`catalog_truth`."""
    truth = catalog_truth()
    results = []
    for query in queries:
        relevant_total = sum(query.relevant(t) for t in truth.values())
        t0 = time.perf_counter()
        found = search(query.query, max(k, DEPTH))
        seconds = time.perf_counter() - t0
        products = [hit.product for hit in found.hits]
        results.append(
            QueryResult(
                query=query,
                relevant_total=relevant_total,
                count=found.count,
                top=[p.sku for p in products],
                hits=[query.relevant(truth[p.pk]) if p.pk in truth else False for p in products],
                did_you_mean=found.did_you_mean,
                seconds=seconds,
                k=k,
            )
        )
    return Evaluation(k=k, results=results)


def returned_labels(result: QueryResult, truth_by_sku: dict[str, tuple[str, str]], k: int) -> dict[str, Any]:
    """What the first ``k`` results of ``result`` were: counts of their categories and colours
    (for reading the worst queries)."""
    labels = [truth_by_sku.get(sku, ("?", "?")) for sku in result.top[:k]]
    return {
        "category": dict(Counter(c for c, _ in labels).most_common()),
        "colour": dict(Counter(c for _, c in labels).most_common()),
    }


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(len(a), len(b)) if a or b else 1.0


def top_agreement(first: dict[str, list[str]], second: dict[str, list[str]], *, k: int = 10) -> dict[str, float]:
    """How alike two runs' top-``k`` SKU lists are, over the queries both ran: the share of
    queries whose top-``k`` *sets* are equal, whose first results are equal, and the mean
    overlap |A ∩ B| / max(|A|, |B|) (1 when both are empty)."""
    common = sorted(set(first) & set(second))
    if not common:
        return {"queries": 0, "equal_sets": 0.0, "equal_first": 0.0, "mean_overlap": 0.0}
    equal = sum(set(first[q][:k]) == set(second[q][:k]) for q in common)
    first_equal = sum(first[q][:1] == second[q][:1] for q in common)
    overlap = sum(_overlap(set(first[q][:k]), set(second[q][:k])) for q in common)
    return {
        "queries": len(common),
        "equal_sets": round(equal / len(common), 4),
        "equal_first": round(first_equal / len(common), 4),
        "mean_overlap": round(overlap / len(common), 4),
    }


def bad_input_check(*, inputs: Sequence[str] = BAD_INPUTS) -> list[dict[str, Any]]:
    """Run each of ``inputs`` through ``product_search`` and ``product_search_suggest``: one row
    per input with the match count and suggestion count, or the exception's type and message."""
    from .selectors import product_search_suggest

    rows = []
    for text in inputs:
        row: dict[str, Any] = {"query": text if len(text) <= 40 else f"{text[:37]}… ({len(text)} chars)"}
        try:
            row["count"] = product_search(query=text, page_size=10).count
            row["suggestions"] = len(product_search_suggest(query=text))
        except Exception as exc:  # noqa: BLE001  # the point is to see any error, whatever it is
            row["error"] = f"{type(exc).__name__}: {exc}"[:200]
        rows.append(row)
    return rows


def machine_info() -> dict[str, Any]:
    """The machine a figure was measured on: CPU count and model, Python."""
    model = platform.processor() or platform.machine()
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version()}


def database_info() -> dict[str, str]:
    """The current database's vendor and server version (SQLite: the library's)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            row = cursor.fetchone()
        return {"vendor": "postgresql", "version": str(row[0]) if row else "?"}
    return {"vendor": connection.vendor, "version": sqlite3.sqlite_version}
