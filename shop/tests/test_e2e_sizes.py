"""In a real browser (Playwright driving Debian's chromium) against a live server: a guest buys
two sizes of one shoe with the test card; the order shows both lines by size, those sizes'
stock falls and the other sizes are untouched. No embeddings needed (no find by photo).

Screenshots go to $VITRINE_SCREENSHOT_DIR when set (else the test's temporary directory)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.core import mail
from django.urls import reverse

from catalog.models import Product, ProductVariant
from catalog.sizes import SizeRun
from catalog.tests.factories import CategoryFactory, ProductFactory, ProductImageFactory
from orders.models import Order

from .test_e2e import _fill_address, _pay_with_test_card, browser_page, shots  # noqa: F401  (fixtures)

if TYPE_CHECKING:
    from pytest_django import Settings
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.browser]


@pytest.fixture
def shoe_shop(transactional_db: None, live_server: LiveServer, settings: Settings) -> tuple[str, Product]:
    """The live shop with one trainer in EU 40-44 (EU 41 sold out, 2 left of EU 43)."""
    settings.SITE_URL = live_server.url
    settings.ROOT_URLCONF = "shop.tests.e2e_urls"
    shoes = CategoryFactory.create(name="Sneakers", slug="sneakers", size_run=SizeRun.FOOTWEAR)
    product = ProductFactory.create(
        category=shoes,
        name="Court trainer",
        slug="court-trainer",
        sku="CT-1",
        price=Decimal("65.00"),
        variants=[("EU 40", 4), ("EU 41", 0), ("EU 42", 5), ("EU 43", 2), ("EU 44", 6)],
    )
    ProductImageFactory.create(product=product, sample_row=0)
    return live_server.url, product


def test_guest_buys_two_sizes_of_one_shoe(shoe_shop, browser_page, shots):  # noqa: F811
    shop, product = shoe_shop
    page = browser_page
    page.goto(f"{shop}{product.get_absolute_url()}")
    sold_out = page.locator("[data-testid=size-eu-41]")
    assert "sold out" in sold_out.inner_text()
    assert page.locator("[data-testid=size-eu-41] input").is_disabled()
    assert "Only 2 left" in page.inner_text("[data-testid=size-eu-43]")
    box = page.locator("[data-testid=size-eu-42]").bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44  # a finger's tap target

    page.click("[data-testid=add-to-cart]")  # no size picked: the browser asks for one first
    assert page.url == f"{shop}{product.get_absolute_url()}"
    page.locator("[data-testid=size-eu-42]").click()
    page.fill("[data-testid=add-to-cart-form] input[name=quantity]", "2")
    shots(page, "sizes-1-product")
    page.set_viewport_size({"width": 390, "height": 844})
    shots(page, "sizes-1-product-phone")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("[data-testid=add-to-cart]")
    page.wait_for_selector("text=Added 2 × Court trainer (EU 42)")
    page.locator("[data-testid=size-eu-43]").click()
    page.click("[data-testid=add-to-cart]")
    page.wait_for_selector("text=Added 1 × Court trainer (EU 43)")
    assert page.inner_text("[data-testid=cart-link]") == "Cart 3"

    page.goto(f"{shop}{reverse('shop:cart_detail')}")
    sizes = page.locator("[data-testid=cart-line-size]").all_inner_texts()
    assert sizes == ["Size EU 42", "Size EU 43"]
    shots(page, "sizes-2-cart")
    page.click("[data-testid=checkout-button]")
    page.fill("#id_email", "grace@example.com")
    _fill_address(page)
    page.click("[data-testid=place-order]")
    page.wait_for_selector("[data-testid=payment-form]")
    _pay_with_test_card(page)
    page.wait_for_selector("[data-testid=order-confirmed]")
    number = page.inner_text("[data-testid=order-number]")
    assert page.locator("[data-testid=line-size]").all_inner_texts() == ["· Size EU 42", "· Size EU 43"]
    shots(page, "sizes-3-confirmation")

    order = Order.objects.get(number=number)
    lines = list(order.lines.values_list("product_name", "size", "sku", "quantity", "line_total"))
    assert lines == [
        ("Court trainer", "EU 42", "CT-1-EU42", 2, Decimal("130.00")),
        ("Court trainer", "EU 43", "CT-1-EU43", 1, Decimal("65.00")),
    ]
    assert order.status == "paid" and order.total == Decimal("199.95")
    stock = dict(ProductVariant.objects.filter(product=product).values_list("size", "stock"))
    assert stock == {"EU 40": 4, "EU 41": 0, "EU 42": 3, "EU 43": 1, "EU 44": 6}
    assert Product.objects.get(pk=product.pk).stock == 14
    assert "Court trainer (EU 42) (SKU CT-1-EU42)\n  2 × $65.00 = $130.00" in str(mail.outbox[-1].body)

    page.goto(f"{shop}{product.get_absolute_url()}")  # EU 43 now has its last one
    assert "Only 1 left" in page.inner_text("[data-testid=size-eu-43]")
