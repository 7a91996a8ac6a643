from __future__ import annotations

import io
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from catalog import fashion_mnist as fm
from catalog.colours import COLOUR_NAMES
from catalog.models import Category, Product
from catalog.services import product_create
from catalog.tests.factories import CategoryFactory, ProductFactory
from search import evaluation
from search.evaluation import LabelledQuery, QuerySetError
from search.selectors import SearchFacets, SearchHit, SearchResults

pytestmark = pytest.mark.django_db

HEADER = "query,subset,category,colour\n"


def _results(products: list[Product]) -> SearchResults:
    return SearchResults(
        query="",
        count=len(products),
        hits=[SearchHit(product=p, score=1.0 - i / 100) for i, p in enumerate(products)],
        facets=SearchFacets(category=[], colour=[], price=None, in_stock=0),
        page=1,
        page_size=100,
        num_pages=1,
        did_you_mean=None,
    )


# ---------------------------------------------------------------- the query set file
def test_query_set_file_has_300_valid_rows_and_30_per_subset() -> None:
    queries = evaluation.query_set_load()

    subsets = Counter(q.subset for q in queries)
    assert len(queries) >= 300
    assert set(subsets) == set(evaluation.SUBSETS)
    assert min(subsets.values()) >= 30
    assert len({q.query for q in queries}) == len(queries)  # no query twice
    slugs = {slug for _, slug, _ in fm.CATEGORIES}
    assert all(q.category in slugs | {""} and q.colour in set(COLOUR_NAMES) | {""} for q in queries)
    assert all(q.category or q.colour for q in queries)
    # The colour subsets say which colour they mean; the word subsets name no colour... except
    # their colour-word typos and partial words ("burgandy", "burgu").
    assert all(q.colour and not q.category for q in queries if q.subset == "colour")
    assert all(q.colour and q.category for q in queries if q.subset == "colour_category")


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("red dress,colour_category,dress,Crimson", "unknown colour 'Crimson'"),
        ("red dress,colour_category,frock,Red", "unknown category 'frock'"),
        ("red dress,misc,dress,Red", "unknown subset 'misc'"),
        ("dress,category,,", "no label"),
        ("  ,category,dress,", "an empty query"),
    ],
)
def test_query_set_load_rejects_invalid_rows(tmp_path: Path, row: str, problem: str) -> None:
    path = tmp_path / "q.csv"
    path.write_text(HEADER + "dress,category,dress,\n" + row + "\n")

    with pytest.raises(QuerySetError, match=f"q.csv:3: {problem}"):
        evaluation.query_set_load(path=path)


def test_query_set_load_keeps_queries_as_written(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(HEADER + '"  Ankle Boots ",category,ankle-boot,\nburgandy,typo,,Burgundy\n')

    assert evaluation.query_set_load(path=path) == [
        LabelledQuery(query="  Ankle Boots ", subset="category", category="ankle-boot", colour=""),
        LabelledQuery(query="burgandy", subset="typo", category="", colour="Burgundy"),
    ]


# ---------------------------------------------------------------- ground truth and metrics
def test_product_truth_is_the_dyed_colour_for_demo_skus_and_the_stored_colour_otherwise() -> None:
    dress = CategoryFactory.create(name="Dress", slug="dress")
    # Train image 11 is dyed red (product_colour), whatever its stored colour says.
    demo = ProductFactory.create(category=dress, sku="FM-000011", colour="Blue")
    other = ProductFactory.create(category=dress, sku="SELLER-1", colour="Olive")

    assert fm.product_colour(11)[0] == "Red"
    assert evaluation.product_truth(demo) == ("dress", "Red")
    assert evaluation.product_truth(other) == ("dress", "Olive")


@pytest.fixture
def tiny_catalog() -> dict[str, Product]:
    """3 red dresses, 2 black dresses, 2 red coats (all active) and an inactive red dress."""
    dress = CategoryFactory.create(name="Dress", slug="dress")
    coat = CategoryFactory.create(name="Coat", slug="coat")
    spec = {
        "R1": (dress, "Red"),
        "R2": (dress, "Red"),
        "R3": (dress, "Red"),
        "B1": (dress, "Black"),
        "B2": (dress, "Black"),
        "C1": (coat, "Red"),
        "C2": (coat, "Red"),
    }
    products = {
        key: ProductFactory.create(category=c, sku=f"T-{key}", colour=colour) for key, (c, colour) in spec.items()
    }
    ProductFactory.create(category=dress, sku="T-X", colour="Red", is_active=False)
    return products


def test_search_evaluate_computes_precision_recall_and_mrr(tiny_catalog: dict[str, Product]) -> None:
    p = tiny_catalog
    answers = {"red dress": ["R1", "B1", "R2", "C1"], "coat": ["R1", "C2"], "red": []}
    queries = [
        LabelledQuery(query="red dress", subset="colour_category", category="dress", colour="Red"),
        LabelledQuery(query="coat", subset="category", category="coat", colour=""),
        LabelledQuery(query="red", subset="colour", category="", colour="Red"),
    ]

    def search(query: str, depth: int) -> SearchResults:
        assert depth == evaluation.DEPTH
        return _results([p[key] for key in answers[query]])

    result = evaluation.search_evaluate(queries=queries, search=search)

    red_dress, coat, red = result.results
    # red dress: 3 relevant in the catalog (the inactive one does not count); 2 of them found.
    assert (red_dress.relevant_total, red_dress.hits) == (3, [True, False, True, False])
    assert red_dress.precision == pytest.approx(2 / 3)
    assert red_dress.recall == pytest.approx(2 / 3)
    assert red_dress.reciprocal_rank == 1.0
    assert red_dress.top == ["T-R1", "T-B1", "T-R2", "T-C1"]
    # coat: 2 relevant, the second result is one of them.
    assert (coat.relevant_total, coat.precision, coat.reciprocal_rank) == (2, 0.5, 0.5)
    # red: 5 relevant (3 dresses, 2 coats), nothing found.
    assert (red.relevant_total, red.precision, red.recall, red.reciprocal_rank) == (5, 0.0, 0.0, 0.0)
    assert result.overall.queries == 3
    assert result.overall.precision == pytest.approx((2 / 3 + 0.5 + 0) / 3, abs=1e-4)
    assert result.overall.mrr == pytest.approx(0.5)
    assert result.subsets["category"].precision == 0.5
    assert [r.query.query for r in result.worst(2)] == ["red", "coat"]


def test_precision_at_k_counts_only_the_first_k(tiny_catalog: dict[str, Product]) -> None:
    p = tiny_catalog
    query = LabelledQuery(query="red dress", subset="colour_category", category="dress", colour="Red")

    result = evaluation.search_evaluate(
        queries=[query], k=2, search=lambda q, depth: _results([p["B1"], p["R1"], p["R2"], p["R3"]])
    )

    # 1 of the first 2 is relevant; 3 relevant exist, so the denominator is k = 2.
    assert result.results[0].precision == 0.5
    assert result.results[0].recall == 1.0


def test_top_agreement() -> None:
    first = {"a": ["1", "2", "3"], "b": ["4", "5", "6"], "none": [], "only-first": ["9"]}
    second = {"a": ["3", "2", "1"], "b": ["4", "5", "7"], "none": []}

    # a: same set, other order; b: 2 of 3 shared; none: both empty (agree).
    assert evaluation.top_agreement(first, second, k=3) == {
        "queries": 3,
        "equal_sets": round(2 / 3, 4),
        "equal_first": round(2 / 3, 4),
        "mean_overlap": round((1 + 2 / 3 + 1) / 3, 4),
    }


# ---------------------------------------------------------------- the command, on the real engine
def _demo_product(category: Category, label: int, index: int) -> Product:
    colour_name, _ = fm.product_colour(index)
    return product_create(
        category=category,
        name=fm.product_name(label, colour_name),
        sku=f"FM-{index:06d}",
        price=fm.demo_price(label, index),
        stock=fm.demo_stock(index),
        description=fm.product_description(label, colour_name, index),
    )


def test_evaluate_search_command_writes_a_report(tmp_path: Path) -> None:
    dress = CategoryFactory.create(name="Dress", slug="dress")
    coat = CategoryFactory.create(name="Coat", slug="coat")
    # Train images 0-11 take every palette colour once: 12 dresses, then 12 coats (12-23).
    for index in range(12):
        _demo_product(dress, 3, index)
        _demo_product(coat, 4, 12 + index)
    queries = tmp_path / "q.csv"
    queries.write_text(HEADER + "dresses,category,dress,\ncoat,category,coat,\nred dress,colour_category,dress,Red\n")
    output = tmp_path / "report.json"

    call_command("evaluate_search", queries=queries, output=output, stdout=io.StringIO())

    report = json.loads(output.read_text())
    assert report["database"]["active_products"] == 24
    assert [(q["query"], q["relevant_total"]) for q in report["queries"]] == [
        ("dresses", 12),
        ("coat", 12),
        ("red dress", 1),
    ]
    assert set(report["subsets"]) == {"category", "colour_category"}
    # Each query's top results are all of its category: 10 dresses, 10 coats, the red dress first.
    assert [q["precision"] for q in report["queries"]] == [1.0, 1.0, 1.0]
    assert report["queries"][2]["top"][0] == f"FM-{11:06d}"  # train image 11 is the red one
    assert [row for row in report["bad_input"] if "error" in row] == []
    assert Decimal(report["overall"]["precision"]) == 1


def test_evaluate_search_command_compares_with_another_report(tmp_path: Path) -> None:
    dress = CategoryFactory.create(name="Dress", slug="dress")
    for index in range(12):
        _demo_product(dress, 3, index)
    queries = tmp_path / "q.csv"
    queries.write_text(HEADER + "dress,category,dress,\n")
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    out = io.StringIO()

    call_command("evaluate_search", queries=queries, output=first, stdout=out)
    call_command("evaluate_search", queries=queries, output=second, compare=first, stdout=out)

    agreement = json.loads(second.read_text())["agreement"]
    assert (agreement["queries"], agreement["equal_sets"], agreement["equal_first"]) == (1, 1.0, 1.0)


def test_benchmark_search_command_tops_up_the_catalog_and_cleans_up(tmp_path: Path) -> None:
    output = tmp_path / "bench.json"
    out = io.StringIO()

    call_command("benchmark_search", products=40, searches=9, suggestions=5, output=output, stdout=out)

    report = json.loads(output.read_text())
    assert report["database"]["active_products"] == 40
    assert (report["search"]["n"], report["search_filtered"]["n"], report["suggest"]["n"]) == (6, 3, 5)
    assert report["search"]["min_ms"] <= report["search"]["p50_ms"] <= report["search"]["p95_ms"]
    assert Product.objects.count() == 0  # the BENCH- products are gone again
    assert "Machine:" in out.getvalue()
