"""Latency of ``product_search`` and ``product_search_suggest`` on this database's catalog, as it
is (nothing is written): p50/p95/max in milliseconds of plain searches, searches with a filter
or a sort, and suggestions (prefixes of the queries). Prints figures; not a timed test.

    DATABASE_URL=postgres://…/vitrine_search_bench .venv/bin/python scripts/search_timing.py [--rounds 3]
    DATABASE_URL=sqlite:////tmp/search_bench/db.sqlite3 .venv/bin/python scripts/search_timing.py

``--explain QUERY`` prints ``EXPLAIN (ANALYZE, BUFFERS)`` of every SQL statement one search for
QUERY runs (PostgreSQL) instead of timing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

QUERIES = [
    "dress",
    "red dress",
    "trainers",
    "sneeker",
    "sand",
    "trou",
    "ankel boot",
    "maroon",
    "gray sneakers",
    "shirt",
    "bag",
    "navy coat",
    "jumper",
    "boots brown",
    "black t-shirt",
    "summer dress with pockets",
    "",
]


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * (len(ordered) - 1))))]


def _line(name: str, ms: list[float]) -> str:
    return (
        f"{name:<16} n={len(ms):<4} p50 {statistics.median(ms):7.1f}  p95 {_percentile(ms, 0.95):7.1f}  "
        f"max {max(ms):7.1f} ms"
    )


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _explain(query: str) -> None:
    from django.db import connection

    from search.selectors import SearchFilters, product_search

    statements: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append((sql, params))
        return execute(sql, params, many, context)

    product_search(query=query)  # warm the vocabulary
    with connection.execute_wrapper(capture):
        product_search(query=query, filters=SearchFilters())
    with connection.cursor() as cursor:
        for sql, params in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            print("=" * 100)
            print(sql[:600], params if len(str(params)) < 300 else str(params)[:300])
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            print("\n".join(row[0] for row in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--explain", default=None)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from catalog.models import Category, Product
    from search.selectors import SearchFilters, SearchSort, product_search, product_search_suggest

    if args.explain is not None:
        _explain(args.explain)
        return
    slugs = list(Category.objects.values_list("slug", flat=True).order_by("id"))
    variants: list[tuple[SearchFilters, SearchSort, int]] = [
        (SearchFilters(colour="Red", min_price=Decimal("20")), SearchSort.RELEVANCE, 1),
        (SearchFilters(category=slugs[3] if slugs else "x"), SearchSort.RELEVANCE, 1),
        (SearchFilters(min_price=Decimal("10"), max_price=Decimal("40")), SearchSort.PRICE_ASC, 2),
        (SearchFilters(in_stock=True), SearchSort.NEWEST, 1),
        (SearchFilters(), SearchSort.PRICE_DESC, 3),
    ]
    prefixes = sorted({q[:n] for q in QUERIES for n in (2, 3, 4, 6) if len(q) >= n})

    for q in QUERIES[:5]:  # warm up: the connection, the vocabulary
        product_search(query=q)
        product_search_suggest(query=q[:3])
    plain, filtered, suggest = [], [], []
    for _ in range(args.rounds):
        for i, q in enumerate(QUERIES):
            plain.append(_timed(lambda q=q: product_search(query=q)))
            filters, sort, page = variants[i % len(variants)]
            filtered.append(
                _timed(lambda q=q, f=filters, s=sort, p=page: product_search(query=q, filters=f, sort=s, page=p))
            )
        for prefix in prefixes:
            suggest.append(_timed(lambda prefix=prefix: product_search_suggest(query=prefix)))
    active = Product.objects.filter(is_active=True).count()
    print(f"{connection.vendor}, {active} active products, {os.cpu_count()} CPUs, {args.rounds} rounds")
    print(_line("search", plain))
    print(_line("search_filtered", filtered))
    print(_line("search_all", plain + filtered))
    print(_line("suggest", suggest))


if __name__ == "__main__":
    main()
