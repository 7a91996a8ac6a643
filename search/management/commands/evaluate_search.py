from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from catalog.models import Product
from search import evaluation


class Command(BaseCommand):
    help = (
        "Evaluate text search on this database's catalog (meant for the 5,000-product demo catalog: "
        "`import_fashion_mnist --per-category 500`): every query of the labelled query set through "
        "product_search; prints precision@10, recall@100 and MRR overall and per subset, the worst "
        "queries, and whether bad input (empty, 1,000 characters, FTS syntax, non-Latin) answers "
        "without an error; writes a JSON report. With --compare REPORT, also the share of queries "
        "whose top 10 equals that report's (e.g. the other database backend's)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queries", type=Path, default=evaluation.QUERY_SET_PATH, help="Query set CSV.")
        parser.add_argument("--k", type=int, default=10, help="Precision at this rank (default 10).")
        parser.add_argument("--worst", type=int, default=15, help="How many of the worst queries to list.")
        parser.add_argument(
            "--output", type=Path, default=None, help="JSON report (default var/reports/search-<vendor>.json)."
        )
        parser.add_argument("--compare", type=Path, default=None, help="Another run's JSON report.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            queries = evaluation.query_set_load(path=options["queries"])
        except (OSError, evaluation.QuerySetError) as exc:
            raise CommandError(str(exc)) from exc
        k = options["k"]
        vendor = connection.vendor
        active = Product.objects.filter(is_active=True).count()
        if not active:
            raise CommandError("The catalog has no active products: import it first (import_fashion_mnist).")
        with_colour = Product.objects.filter(is_active=True).exclude(colour="").count()
        self.stdout.write(
            f"Evaluating {len(queries)} queries on {vendor} ({active} active products, {with_colour} with a colour) …"
        )
        result = evaluation.search_evaluate(queries=queries, k=k)
        truth_by_sku = {
            p.sku: evaluation.product_truth(p)
            for p in Product.objects.filter(is_active=True)
            .select_related("category")
            .only("sku", "colour", "category__slug")
        }
        thin = [r.query.query for r in result.results if r.relevant_total < k]

        self.stdout.write(f"\nprecision@{k} / recall@{evaluation.DEPTH} / MRR")
        self.stdout.write(self._line("overall", result.overall))
        for subset, summary in result.subsets.items():
            self.stdout.write(self._line(subset, summary))
        if thin:
            self.stdout.write(f"(fewer than {k} relevant products in the catalog for: {', '.join(thin)})")
        seconds = sorted(r.seconds for r in result.results)
        self.stdout.write(
            f"time per query: median {seconds[len(seconds) // 2] * 1000:.1f} ms, max {seconds[-1] * 1000:.1f} ms"
        )

        worst = result.worst(options["worst"])
        self.stdout.write(f"\nWorst {len(worst)} queries (subset, wanted → what the top {k} were):")
        worst_rows = []
        for r in worst:
            got = evaluation.returned_labels(r, truth_by_sku, k)
            wanted = "/".join(x for x in (r.query.category, r.query.colour) if x)
            self.stdout.write(
                f"  P@{k}={r.precision:.2f} MRR={r.reciprocal_rank:.2f} {r.query.query!r} ({r.query.subset}, "
                f"{wanted}; {r.count} matches, did you mean {r.did_you_mean!r}) → {got['category']} {got['colour']}"
            )
            worst_rows.append({**self._row(r), "returned": got})

        bad = evaluation.bad_input_check()
        errors = [row for row in bad if "error" in row]
        self.stdout.write(f"\nBad input: {len(bad) - len(errors)} of {len(bad)} answered without an error.")
        for row in errors:
            self.stdout.write(self.style.ERROR(f"  {row['query']!r}: {row['error']}"))

        report: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": evaluation.machine_info(),
            "database": {**evaluation.database_info(), "active_products": active},
            "products_with_colour": with_colour,
            "query_set": str(options["queries"]),
            "k": k,
            "overall": vars(result.overall),
            "subsets": {name: vars(summary) for name, summary in result.subsets.items()},
            "worst": worst_rows,
            "bad_input": bad,
            "queries": [self._row(r) for r in result.results],
        }
        if options["compare"]:
            other = json.loads(options["compare"].read_text())
            mine = {r.query.query: r.top[:k] for r in result.results}
            theirs = {row["query"]: row["top"][:k] for row in other["queries"]}
            agreement = evaluation.top_agreement(mine, theirs, k=k)
            report["agreement"] = {"with": str(options["compare"]), "vendor": other["database"]["vendor"], **agreement}
            self.stdout.write(
                f"\nTop {k} compared with {options['compare']} ({other['database']['vendor']}): equal sets for "
                f"{agreement['equal_sets']:.1%} of {agreement['queries']} queries, same first result for "
                f"{agreement['equal_first']:.1%}, mean overlap {agreement['mean_overlap']:.1%}."
            )
        output = options["output"] or Path(settings.BASE_DIR) / "var" / "reports" / f"search-{vendor}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=1, ensure_ascii=False))
        self.stdout.write(self.style.SUCCESS(f"\nReport: {output}"))

    @staticmethod
    def _line(name: str, summary: evaluation.Summary) -> str:
        return f"  {name:<16} {summary.precision:.3f} / {summary.recall:.3f} / {summary.mrr:.3f}  ({summary.queries})"

    @staticmethod
    def _row(r: evaluation.QueryResult) -> dict[str, Any]:
        return {
            "query": r.query.query,
            "subset": r.query.subset,
            "category": r.query.category,
            "colour": r.query.colour,
            "precision": round(r.precision, 4),
            "recall": round(r.recall, 4),
            "reciprocal_rank": round(r.reciprocal_rank, 4),
            "relevant_total": r.relevant_total,
            "count": r.count,
            "did_you_mean": r.did_you_mean,
            "ms": round(r.seconds * 1000, 2),
            "top": r.top[: r.k],
        }
