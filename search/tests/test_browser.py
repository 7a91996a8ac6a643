"""Search in a real browser (Playwright driving Debian's chromium) against a live server, on
desktop (1366×900) and phone (390×844): type words with a typo in the header's box, pick a
suggestion with the keyboard, filter by colour and by price, then add a photo to the same search.

The catalog is the 120 embedded sample products named as the demo catalog names them ("Brown
sneakers", its colour set). Screenshots go to $VITRINE_SCREENSHOT_DIR when set (else the test's
temporary directory): ``search-<step>-<viewport>.png``."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page
    from pytest_django import Settings
    from pytest_django.live_server_helper import LiveServer

    from catalog.tests.sample import FashionMnistSample
    from conftest import SampleCatalog

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def browser(chromium: Browser) -> Browser:
    return chromium


@pytest.fixture
def demo_shop(
    transactional_db: None, live_server: LiveServer, settings: Settings, sample_catalog: SampleCatalog
) -> str:
    """The live shop: the sample catalog renamed, coloured and described as
    ``import_fashion_mnist`` does, and a trained classifier for find by photo."""
    from catalog import fashion_mnist as fm
    from catalog.models import Product
    from recommender.services import category_classifier_train

    labels = {slug: label for label, (_, slug, _) in enumerate(fm.CATEGORIES)}
    for product in sample_catalog.products:
        index, label = int(product.sku.removeprefix("FM-")), labels[product.category.slug]
        colour, _ = fm.product_colour(index)
        Product.objects.filter(pk=product.pk).update(
            name=fm.product_name(label, colour),
            description=fm.product_description(label, colour, index),
            colour=colour,
        )
    category_classifier_train()
    settings.ROOT_URLCONF = "shop.tests.e2e_urls"  # serves the photos too
    return live_server.url


@pytest.fixture
def shots(tmp_path: Path) -> Callable[[Page, str], None]:
    folder = Path(os.environ.get("VITRINE_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def shot(page: Page, name: str) -> None:
        page.screenshot(path=str(folder / f"search-{name}.png"), full_page=True)

    return shot


def _card_names(page: Page) -> list[str]:
    return page.locator("[data-testid=search-results] .product-card .name").all_inner_texts()


def _card_prices(page: Page) -> list[Decimal]:
    return [
        Decimal(text.replace("$", "").replace(",", ""))
        for text in page.locator("[data-testid=search-results] .product-card .price").all_inner_texts()
    ]


def _text(page: Page, selector: str) -> str:
    return " ".join((page.locator(selector).text_content() or "").split())


def _params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _open_filters(page: Page) -> None:
    """On a phone the facets sit behind the "Filters" button."""
    toggle = page.locator("[data-testid=facets] > summary")
    if toggle.is_visible() and page.locator("[data-testid=facets]").get_attribute("open") is None:
        toggle.click()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_typo_suggestion_colour_and_price_filters_then_a_photo(
    demo_shop: str,
    browser: Browser,
    fashion_mnist_sample: FashionMnistSample,
    tmp_path: Path,
    shots: Callable[[Page, str], None],
    viewport: str,
) -> None:
    page = browser.new_page(viewport=VIEWPORTS[viewport])  # type: ignore[arg-type]
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(demo_shop + reverse("shop:home"))

    # 1. Words with a typo; the suggestions open under the box.
    box = page.locator("#site-search-q")
    box.click()
    box.press_sequentially("sneeker", delay=60)
    options = page.locator("#site-search-suggestions [role=option]")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-controls") == "site-search-suggestions"
    # Esc closes the list and keeps the words; typing opens it again.
    box.press("Escape")
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == "sneeker"
    assert not page.locator("#site-search-suggestions").is_visible()
    box.press("Backspace")
    box.press_sequentially("r", delay=60)
    options.first.wait_for()
    kinds = [o.get_attribute("data-kind") for o in options.all()]
    labels = options.all_inner_texts()
    # A category or query suggestion for sneakers (a product one would leave the search).
    wanted = next(
        i
        for i, (kind, label) in enumerate(zip(kinds, labels, strict=True))
        if kind in ("category", "query") and "sneaker" in label.lower()
    )
    for _ in range(wanted + 1):
        box.press("ArrowDown")
    active = page.locator("#site-search-suggestions [aria-selected=true]")
    assert active.count() == 1 and box.get_attribute("aria-activedescendant") == active.get_attribute("id")
    shots(page, f"1-suggestions-{viewport}")

    # 2. Enter opens it: the results page, sneakers only.
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?"))
    names = _card_names(page)
    assert names and all(name.endswith(" sneakers") for name in names), names
    shots(page, f"2-results-{viewport}")

    # 3. A colour from the facet: only that colour's sneakers.
    _open_filters(page)
    colour_link = page.locator("[data-testid=facet-colour] a").first
    colour = colour_link.get_attribute("data-colour")
    assert colour
    colour_link.click()
    page.wait_for_url(re.compile(rf"colour={colour}"))
    names = _card_names(page)
    assert names and all(name == f"{colour} sneakers" for name in names), names
    assert f"{colour} ×" in _text(page, "[data-testid=filter-chips]")

    # 4. A price ceiling: the cheapest shown price keeps at least that one.
    ceiling = min(_card_prices(page))
    _open_filters(page)
    page.fill("[data-testid=max-price]", str(ceiling))
    page.click("[data-testid=apply-filters]")
    page.wait_for_url(re.compile(r"max_price="))
    prices = _card_prices(page)
    assert prices and all(price <= ceiling for price in prices)
    assert _params(page)["colour"] == [colour]  # the colour stayed
    chips = _text(page, "[data-testid=filter-chips]")
    assert f"Up to ${ceiling}" in chips and f"{colour} ×" in chips
    shots(page, f"3-filtered-{viewport}")

    # 5. Add a photo to the same search: find by photo with the words and filters carried along.
    words = _params(page).get("q", [""])[0]
    page.click("[data-testid=add-photo]")
    page.wait_for_url(re.compile(r"/search/photo/"))
    carried = _params(page)
    assert carried.get("colour") == [colour] and carried.get("max_price") == [str(ceiling)]
    assert carried.get("q", [""]) == [words] if words else "q" not in carried
    # Find by photo's form takes the words and the filters: the photo joins the same search.
    assert page.input_value("#photo-search input[name=q]") == words
    assert page.input_value("#photo-search select[name=colour]") == colour
    assert page.input_value("#photo-search input[name=max_price]") == str(ceiling)
    row = fashion_mnist_sample.rows("test", "sneaker")[0]
    assert int(fashion_mnist_sample.test_indices[row]) < 9000  # never the held-out test images
    photo = tmp_path / "sneaker.png"
    photo.write_bytes(fashion_mnist_sample.png("test", row))
    page.set_input_files("[data-testid=choose-photo]", str(photo))
    page.click("[data-testid=search-button]")
    page.wait_for_selector("text=Looks like")
    assert "Sneaker" in page.inner_text(".prediction")
    shots(page, f"4-photo-{viewport}")
    # (How well the photo ranks is find by photo's own test; here: it searched the photo.)
    found = page.locator("#results .product-card .name").all_inner_texts()[:10]
    assert found and found[0].endswith(" sneakers"), found  # the words "sneaker" rank sneakers first
    assert all(name.startswith(f"{colour} ") for name in found), found  # only the colour carried
    photo_prices = page.locator("#results .product-card .price").all_inner_texts()[:10]
    assert all(Decimal(p.replace("$", "").replace(",", "")) <= ceiling for p in photo_prices), photo_prices
    assert errors == []
