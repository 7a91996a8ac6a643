from __future__ import annotations

import functools
import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from catalog import fashion_mnist as fm
from catalog.models import Category, Product
from catalog.services import category_get_or_create
from search import evaluation
from search.selectors import SearchFilters, SearchSort, product_search, product_search_suggest

BENCH_SKU_PREFIX = "BENCH-"


def _stats(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(seconds),
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "min_ms": round(float(ms.min()), 2),
        "max_ms": round(float(ms.max()), 2),
    }


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


class Command(BaseCommand):
    help = (
        "Benchmark (prints figures; not a timed test): latency p50/p95/min/max of product_search (the query "
        "set's queries, a third of them with a filter or a sort) and of product_search_suggest (prefixes of "
        "them) on a synthetic catalog of --products demo-style products (names, descriptions, prices and "
        "colours as the Fashion-MNIST import makes them; no photos), built with bulk_create. --fresh works in "
        "a throwaway database; otherwise it tops up this database's catalog with BENCH- products (refused "
        "when the database has orders) and deletes them afterwards unless --keep."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--products", type=int, default=10_000, help="Active products to measure at.")
        parser.add_argument("--searches", type=int, default=600, help="Timed searches (default 600).")
        parser.add_argument("--suggestions", type=int, default=600, help="Timed suggestion calls (default 600).")
        parser.add_argument("--fresh", action="store_true", help="Use a throwaway database (created, then dropped).")
        parser.add_argument("--keep", action="store_true", help="Keep the BENCH- products (not with --fresh).")
        parser.add_argument("--output", type=Path, default=None, help="JSON (default var/reports/search-bench-….json).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["products"] < 1:
            raise CommandError("--products must be at least 1.")
        if not options["fresh"]:
            # The orders app sits above search in the layers, so it is looked up by name.
            if apps.get_model("orders", "Order").objects.exists():
                raise CommandError("This database has orders: run with --fresh (a throwaway database) instead.")
            self._run(options)
            return
        old_name = connection.settings_dict["NAME"]
        with tempfile.TemporaryDirectory() as tmp:
            test = connection.settings_dict.setdefault("TEST", {})
            if connection.vendor == "sqlite":
                test["NAME"] = str(Path(tmp) / "benchmark.sqlite3")
            else:
                test["NAME"] = f"{old_name}_search_benchmark"
            self.stdout.write(f"Throwaway {connection.vendor} database {test['NAME']} …")
            connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
            try:
                self._run({**options, "keep": True})
            finally:
                connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=False)

    def _run(self, options: dict[str, Any]) -> None:
        target = options["products"]
        t0 = time.perf_counter()
        added = self._catalog_top_up(target)
        build_s = time.perf_counter() - t0
        active = Product.objects.filter(is_active=True).count()
        info = {**evaluation.database_info(), "active_products": active}
        self.stdout.write(
            f"{info['vendor']} {info['version']}: {active} active products ({added} added in {build_s:.1f} s)"
        )
        try:
            report = {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": evaluation.machine_info(),
                "database": info,
                "build_s": round(build_s, 1),
                **self._measure(options),
            }
        finally:
            if added and not options["keep"]:
                Product.objects.filter(sku__startswith=BENCH_SKU_PREFIX).delete()
        machine = report["machine"]
        self.stdout.write(f"Machine: {machine['cpus']} CPUs, {machine['cpu']}; {report['date']}")
        for name in ("search", "search_filtered", "search_all", "suggest"):
            self.stdout.write(f"  {name:<16} {report[name]}")
        self.stdout.write(
            "  slowest searches: " + ", ".join(f"{r['query']!r} {r['max_ms']}" for r in report["slowest_searches"])
        )
        self.stdout.write(
            "  slowest suggestions: " + ", ".join(f"{r['query']!r} {r['ms']}" for r in report["slowest_suggestions"])
        )
        output = options["output"] or (
            Path(settings.BASE_DIR) / "var" / "reports" / f"search-bench-{info['vendor']}-{active}.json"
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=1))
        self.stdout.write(self.style.SUCCESS(f"Report: {output}"))

    # ---------------------------------------------------------------- catalog
    def _catalog_top_up(self, target: int) -> int:
        """Add demo-style BENCH- products until the catalog has ``target`` active ones; how many were added."""
        missing = target - Product.objects.filter(is_active=True).count()
        if missing <= 0:
            return 0
        categories: list[Category] = [
            category_get_or_create(name=name, slug=slug, position=position)
            for position, (name, slug, _) in enumerate(fm.CATEGORIES)
        ]
        start = Product.objects.filter(sku__startswith=BENCH_SKU_PREFIX).count()
        batch = 5000
        for first in range(start, start + missing, batch):
            rows = []
            for i in range(first, min(first + batch, start + missing)):
                label = i % len(fm.CATEGORIES)
                colour_name, _ = fm.product_colour(i)
                sku = f"{BENCH_SKU_PREFIX}{i:07d}"
                rows.append(
                    Product(
                        category=categories[label],
                        name=fm.product_name(label, colour_name),
                        slug=sku.lower(),
                        sku=sku,
                        description=fm.product_description(label, colour_name, i),
                        price=fm.demo_price(label, i),
                        stock=fm.demo_stock(i),
                        colour=colour_name,  # as the colour worker would name the dyed photo
                    )
                )
            with transaction.atomic():
                Product.objects.bulk_create(rows, batch_size=1000)
            self.stdout.write(f"  … {first + len(rows) - start} of {missing} products", ending="\r")
            self.stdout.flush()
        self.stdout.write("")
        # Planner statistics, as autovacuum / a live shop would have them: without them a freshly
        # bulk-loaded PostgreSQL table is planned as if it were empty.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return missing

    # ---------------------------------------------------------------- timing
    def _measure(self, options: dict[str, Any]) -> dict[str, Any]:
        queries = [q.query for q in evaluation.query_set_load()]
        colours = [name for name, _ in fm.SHOP_COLOURS]
        slugs = [slug for _, slug, _ in fm.CATEGORIES]

        def plain(i: int) -> Callable[[], object]:
            return lambda: product_search(query=queries[i % len(queries)])

        def filtered(i: int) -> Callable[[], object]:
            variants: list[tuple[SearchFilters, SearchSort]] = [
                (SearchFilters(colour=colours[i % len(colours)]), SearchSort.RELEVANCE),
                (SearchFilters(category=slugs[i % len(slugs)]), SearchSort.RELEVANCE),
                (SearchFilters(min_price=fm.CATEGORIES[0][2], max_price=fm.CATEGORIES[4][2]), SearchSort.PRICE_ASC),
                (SearchFilters(in_stock=True), SearchSort.NEWEST),
                (SearchFilters(), SearchSort.PRICE_DESC),
            ]
            filters, sort = variants[i % len(variants)]
            return lambda: product_search(query=queries[i % len(queries)], filters=filters, sort=sort, page=1 + i % 3)

        prefixes = sorted({q.strip()[:n] for q in queries for n in range(2, len(q.strip()) + 1)})
        rng = np.random.default_rng(0)
        chosen = [prefixes[j] for j in rng.integers(0, len(prefixes), options["suggestions"])]

        # Warm up: connections, caches, any lazily built vocabulary.
        for i in range(20):
            plain(i)()
            product_search_suggest(query=chosen[i % len(chosen)])
        n = options["searches"]
        order = rng.permutation(n)
        plain_s: list[float] = []
        filtered_s: list[float] = []
        by_query: dict[str, list[float]] = {}
        for i in order:
            # Two in three plain, one in three with a filter, a sort or a later page.
            seconds = _timed(filtered(int(i)) if i % 3 == 2 else plain(int(i)))
            (filtered_s if i % 3 == 2 else plain_s).append(seconds)
            by_query.setdefault(queries[int(i) % len(queries)], []).append(seconds)
        suggest_s = [_timed(functools.partial(product_search_suggest, query=prefix)) for prefix in chosen]
        slowest = sorted(by_query.items(), key=lambda item: -max(item[1]))[:10]
        by_prefix = sorted(zip(suggest_s, chosen, strict=True), reverse=True)[:10]
        return {
            "slowest_searches": [{"query": q, "max_ms": round(max(s) * 1000, 1)} for q, s in slowest],
            "slowest_suggestions": [{"query": q, "ms": round(s * 1000, 1)} for s, q in by_prefix],
            "search": _stats(plain_s),
            "search_filtered": _stats(filtered_s),
            "search_all": _stats(plain_s + filtered_s),
            "suggest": _stats(suggest_s),
        }
