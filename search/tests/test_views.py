"""The results page /search/ and the header's search box, against the real search selector on a
small catalog named as the demo catalog names its products ("Red ankle boots")."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from catalog.tests.factories import CategoryFactory, ProductFactory
from search import views
from search.selectors import CategoryFacet, ColourFacet, PriceRange, SearchFacets, SearchResults

pytestmark = pytest.mark.django_db

URL = "/search/"


def card_names(html: str) -> list[str]:
    return re.findall(r'<div class="name">([^<]*)</div>', html)


def by_testid(html: str, name: str) -> str:
    """The inside of the element with ``data-testid=name`` (same-named tags inside it balanced)."""
    found = re.search(rf'<(\w+)[^>]*data-testid="{name}"[^>]*>', html)
    assert found is not None, f"no data-testid={name}"
    tag, depth = found.group(1), 1
    for tag_match in re.compile(rf"<(/?){tag}\b[^>]*>").finditer(html, found.end()):
        depth += -1 if tag_match.group(1) else 1
        if depth == 0:
            return html[found.end() : tag_match.start()]
    raise AssertionError(f"data-testid={name} is not closed")


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def links(html: str) -> dict[str, dict[str, list[str]]]:
    """Each link's text (tags and spaces squeezed) -> its query string, parsed."""
    out = {}
    for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', html, re.S):
        label = " ".join(re.sub(r"<[^>]+>", " ", text).split())
        out[label] = parse_qs(urlsplit(unescape(href)).query)
    return out


@pytest.fixture
def shop_catalog():
    boots = CategoryFactory.create(name="Ankle boot", slug="ankle-boot", position=0)
    dresses = CategoryFactory.create(name="Dress", slug="dress", position=1)
    trousers = CategoryFactory.create(name="Trouser", slug="trouser", position=2)

    def make(category, colour, noun, price, stock=5, n=1):
        for _ in range(n):
            ProductFactory.create(
                category=category, name=f"{colour} {noun}", colour=colour, price=Decimal(price), stock=stock
            )

    make(boots, "Red", "ankle boots", "40.00")
    make(boots, "Red", "ankle boots", "60.00")
    make(boots, "Red", "ankle boots", "80.00")
    make(boots, "Brown", "ankle boots", "55.00")
    make(boots, "Brown", "ankle boots", "30.00")
    make(dresses, "Red", "dress", "45.00")
    make(dresses, "Blue", "dress", "35.00", stock=0)
    make(trousers, "Black", "trousers", "25.00", n=30)
    return {"boots": boots, "dresses": dresses, "trousers": trousers}


def test_results_show_the_count_the_words_facets_with_counts_and_the_cards(client, shop_catalog):
    response = client.get(URL, {"q": "boots"})

    assert response.status_code == 200
    html = response.content.decode()
    assert text(by_testid(html, "result-count")) == "5 results for “boots”"
    assert sorted(card_names(html)) == ["Brown ankle boots"] * 2 + ["Red ankle boots"] * 3
    facets = links(by_testid(html, "facet-category"))
    assert facets == {"Ankle boot 5": {"q": ["boots"], "category": ["ankle-boot"]}}
    colours = links(by_testid(html, "facet-colour"))
    assert set(colours) == {"Red 3", "Brown 2"}
    assert colours["Red 3"] == {"q": ["boots"], "colour": ["Red"]}
    assert 'style="background: #c4282c"' in by_testid(html, "facet-colour")  # the palette's red swatch
    assert 'value="boots"' in by_testid(html, "site-search")  # the header's box keeps the words
    assert 'href="/search/photo/?q=boots"' in html  # add a photo to the same search


def test_filters_show_as_chips_that_each_remove_their_filter(client, shop_catalog):
    response = client.get(URL, {"q": "boots", "colour": "red", "min_price": "50", "in_stock": "1"})

    html = response.content.decode()
    assert sorted(card_names(html)) == ["Red ankle boots"] * 2  # 60 and 80; colour is case-insensitive
    chips = links(by_testid(html, "filter-chips"))
    assert chips == {
        "Red ×": {"q": ["boots"], "min_price": ["50"], "in_stock": ["1"]},
        "From $50.00 ×": {"q": ["boots"], "colour": ["red"], "in_stock": ["1"]},
        "In stock ×": {"q": ["boots"], "colour": ["red"], "min_price": ["50"]},
        "Clear all": {"q": ["boots"]},
    }
    # A facet's counts ignore its own filter: the other colours above $50 still show, to switch to.
    assert set(links(by_testid(html, "facet-colour"))) == {"Red 2", "Brown 1"}
    assert 'aria-current="true"' in by_testid(html, "facet-colour")
    assert 'name="in_stock" value="1" role="switch" checked' in html
    # Adding a photo keeps the words and the filters that find by photo has.
    assert links(html)["Add a photo to this search"] == {"q": ["boots"], "colour": ["Red"], "min_price": ["50"]}
    assert 'data-testid="min-price"' in html and 'value="50"' in by_testid(html, "price-form").replace("\n", " ")


def test_sort_orders_by_price_both_ways_and_by_newest(client, shop_catalog):
    def names_and_prices(sort):
        html = client.get(URL, {"q": "boots", "sort": sort}).content.decode()
        return re.findall(r'<span class="price">\$([\d.]+)</span>', html)

    assert names_and_prices("price") == ["30.00", "40.00", "55.00", "60.00", "80.00"]
    assert names_and_prices("-price") == ["80.00", "60.00", "55.00", "40.00", "30.00"]
    assert names_and_prices("newest") == ["30.00", "55.00", "80.00", "60.00", "40.00"]  # created last first
    html = client.get(URL, {"q": "boots", "sort": "-price", "colour": "Red"}).content.decode()
    sort_form = by_testid(html, "sort-form")
    assert '<option value="-price" selected>' in sort_form
    assert re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', sort_form) == [
        ("q", "boots"),
        ("colour", "Red"),
    ]


def test_pagination_links_keep_the_words_and_filters(client, shop_catalog):
    first = client.get(URL, {"q": "trousers", "colour": "Black", "sort": "price"}).content.decode()

    assert "30 results for" in first
    assert len(card_names(first)) == views.PAGE_SIZE
    pages = links(by_testid(first, "pagination"))
    assert pages["2"] == {"q": ["trousers"], "colour": ["Black"], "sort": ["price"], "page": ["2"]}
    assert pages["→"] == pages["2"]
    assert '<a aria-current="page" class="current">1</a>' in first
    second = client.get(URL, {"q": "trousers", "colour": "Black", "sort": "price", "page": "2"}).content.decode()
    assert len(card_names(second)) == 30 - views.PAGE_SIZE
    assert links(by_testid(second, "pagination"))["←"]["page"] == ["1"]


def test_facet_links_start_again_at_page_one(client, shop_catalog):
    html = client.get(URL, {"q": "trousers", "page": "2"}).content.decode()
    assert "page" not in links(by_testid(html, "facet-colour"))["Black 30"]


def test_no_results_offer_categories_new_arrivals_in_stock_and_find_by_photo(client, shop_catalog):
    response = client.get(URL, {"q": "zqxjvw"})

    assert response.status_code == 200
    html = response.content.decode()
    no_results = by_testid(html, "no-results")
    assert "No results for “" in no_results and "zqxjvw" in no_results
    assert 'href="/search/photo/?q=zqxjvw"' in html
    assert set(links(by_testid(html, "nearest-categories"))) <= {"Ankle boot", "Dress", "Trouser"}
    assert links(by_testid(html, "nearest-categories"))
    popular = card_names(by_testid(html, "popular-products"))
    assert len(popular) == views.NO_RESULTS_PRODUCTS
    assert "Blue dress" not in popular  # sold out
    assert 'data-testid="facets"' not in html


def test_no_results_with_filters_link_to_the_same_words_without_them(client, shop_catalog):
    html = client.get(URL, {"q": "boots", "colour": "Blue"}).content.decode()

    assert links(by_testid(html, "without-filters")) == {"Search all products for “boots”": {"q": ["boots"]}}
    assert set(links(by_testid(html, "filter-chips"))) == {"Blue ×", "Clear all"}


def test_did_you_mean_links_to_the_corrected_words_with_the_same_filters(client, shop_catalog, monkeypatch):
    # The selector decides when words look mis-spelt; the page only has to offer its correction.
    real_search = views.product_search

    def corrected(**kwargs):
        results = real_search(**kwargs)
        return SearchResults(**{**results.__dict__, "did_you_mean": "sneakers"})

    monkeypatch.setattr(views, "product_search", corrected)
    html = client.get(URL, {"q": "zqxjvw", "colour": "Red"}).content.decode()

    assert links(by_testid(html, "did-you-mean")) == {"sneakers": {"q": ["sneakers"], "colour": ["Red"]}}


def test_the_header_search_box_is_on_every_page_and_works_without_javascript(client, shop_catalog):
    html = client.get(reverse("shop:home")).content.decode()

    box = by_testid(html, "site-search")
    assert '<form role="group" action="/search/" method="get"' in box
    assert 'name="q"' in box and 'type="search"' in box
    assert 'formaction="/search/photo/"' in box  # the camera button sends the words to find by photo
    assert 'data-suggest-url="/api/search/suggest/"' in box
    assert "vendor/autocomplete/autoComplete.min.js" in html


def test_browsing_without_words_lists_every_active_product_faceted(client, shop_catalog):
    html = client.get(URL).content.decode()

    assert text(by_testid(html, "result-count")) == "37 products"
    assert set(links(by_testid(html, "facet-category"))) == {"Ankle boot 5", "Dress 2", "Trouser 30"}


def test_a_price_range_the_wrong_way_round_is_turned_round(client, shop_catalog):
    html = client.get(URL, {"q": "boots", "min_price": "70", "max_price": "50"}).content.decode()

    assert sorted(card_names(html)) == ["Brown ankle boots", "Red ankle boots"]  # 55.00 and 60.00
    assert "$50.00 – $70.00" in by_testid(html, "filter-chips")


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "boots " * 200},
        {"q": "x" * 1000},
        {"q": '"'},
        {"q": '"red'},
        {"q": "*"},
        {"q": "boot*"},
        {"q": "NEAR("},
        {"q": "NEAR(red boots, 2)"},
        {"q": "OR"},
        {"q": "red OR"},
        {"q": "AND NOT"},
        {"q": "name:red"},
        {"q": "^red"},
        {"q": "'; DROP TABLE catalog_product; --"},
        {"q": "%_%"},
        {"q": "\\"},
        {"q": "红色连衣裙"},
        {"q": "платье"},
        {"q": "فستان أحمر"},
        {"q": "👢"},
        {"q": "red\x00boots"},
        {"q": "boots", "min_price": "abc"},
        {"q": "boots", "min_price": "-5"},
        {"q": "boots", "max_price": "NaN"},
        {"q": "boots", "max_price": "Infinity"},
        {"q": "boots", "max_price": "1e999"},
        {"q": "boots", "page": "0"},
        {"q": "boots", "page": "-1"},
        {"q": "boots", "page": "abc"},
        {"q": "boots", "page": "99999999999999999999"},
        {"q": "boots", "page": "50"},
        {"q": "boots", "sort": "bogus"},
        {"q": "boots", "colour": "Purple"},
        {"q": "boots", "colour": "x" * 500},
        {"q": "boots", "category": "../../etc/passwd"},
        {"q": "boots", "category": "no-such-category"},
        {"q": "boots", "in_stock": "maybe"},
    ],
)
def test_bad_input_answers_a_page_never_a_server_error(client, shop_catalog, params):
    response = client.get(URL, params)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="search-results"' in html or 'data-testid="no-results"' in html


def test_invalid_parameters_are_left_out_and_said_so(client, shop_catalog):
    html = client.get(URL, {"q": "boots", "min_price": "abc", "colour": "Purple", "sort": "bogus"}).content.decode()

    errors = unescape(by_testid(html, "param-errors"))
    assert "We ignored the colour 'Purple': choose Black, White, Grey," in errors
    assert "'abc' is not a price, so the minimum price was ignored." in errors
    assert "We ignored the sort 'bogus': choose Best match, Newest, Price: low to high or Price: high to low." in errors
    assert len(card_names(html)) == 5  # searched without them


def test_facets_render_what_the_selector_counts(client, monkeypatch):
    """The page shows the selector's facets as they are, including a price range."""
    results = SearchResults(
        query="hat",
        count=0,
        hits=[],
        facets=SearchFacets(
            category=[CategoryFacet(slug="hat", name="Hat", count=3)],
            colour=[ColourFacet(name="Navy", count=3)],
            price=PriceRange(min=Decimal("9.50"), max=Decimal("120.00")),
            in_stock=2,
        ),
        page=1,
        page_size=24,
        num_pages=1,
        did_you_mean=None,
    )
    with_count = SearchResults(**{**results.__dict__, "count": 3})
    monkeypatch.setattr(views, "product_search", lambda **kwargs: with_count)
    html = client.get(URL, {"q": "hat"}).content.decode()

    assert 'placeholder="9"' in html and 'placeholder="120"' in html  # the whole range: 9.50 rounds down
    assert 'In stock only <span class="count">2</span>' in html
    assert set(links(by_testid(html, "facet-colour"))) == {"Navy 3"}
