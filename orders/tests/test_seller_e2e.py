"""The seller's orders and dashboard, and the staff admin index, in a real browser (Playwright
driving Debian's chromium) at phone (390×844) and desktop (1366×900) sizes: a seller sees their
sales, ships an order with a tracking number, and previews photos before uploading them.

Screenshots go to $VITRINE_SCREENSHOT_DIR when set (else the test's temporary directory)."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import SellerFactory
from catalog.tests.factories import CategoryFactory, ProductFactory, ProductImageFactory, seller_create
from catalog.tests.image_files import photo
from orders.models import Order

from .factories import OrderFactory, OrderLineFactory

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FilePayload, Page
    from pytest_django import Settings
    from pytest_django.live_server_helper import LiveServer

pytestmark = pytest.mark.browser

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}


@pytest.fixture
def browser(chromium: Browser) -> Browser:
    return chromium


@pytest.fixture
def site(transactional_db: None, live_server: LiveServer, settings: Settings) -> str:
    settings.SITE_URL = live_server.url
    settings.ROOT_URLCONF = "shop.tests.e2e_urls"  # serves the uploaded photos too
    return live_server.url


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("VITRINE_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _session(browser: Browser, site: str, user: User, viewport: dict[str, int]) -> Page:
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def test_seller_ships_an_order_and_previews_photos(browser, site, shots):
    alice = seller_create("alice@example.com", "Nova Shoes")
    category = CategoryFactory.create(name="Ankle boot", slug="ankle-boot")
    products = []
    for i, name in enumerate(["Midnight ankle boot", "Suede chelsea boot", "Lace-up hiker"]):
        product = ProductFactory.create(
            seller=alice, category=category, name=name, sku=f"NOVA-{i + 1:03d}", price=Decimal("129.00") - i * 10
        )
        ProductImageFactory.create(product=product, sample_row=90 + i, embedding_status="embedded")
        products.append(product)
    order = OrderFactory.create(status=Order.Status.PAID, full_name="Grace Hopper", city="Arlington", country="US")
    OrderLineFactory.create(order=order, product=products[0], seller=alice, quantity=2)
    OrderLineFactory.create(order=order, product=products[1], seller=alice)
    delivered = OrderFactory.create(status=Order.Status.DELIVERED)
    OrderLineFactory.create(order=delivered, product=products[2], seller=alice)

    for label, viewport in (("390", PHONE), ("1366", DESKTOP)):
        page = _session(browser, site, alice.user, viewport)
        page.goto(site + reverse("sellers:dashboard"))
        assert page.inner_text("[data-testid=revenue-total]") == "$486.00"  # 2 × 129 + 119 + 109 (delivered)
        assert page.inner_text("[data-testid=orders-to-ship]") == "1"
        page.screenshot(path=str(shots / f"seller-dashboard-{label}.png"), full_page=True)
        page.goto(site + reverse("orders:seller_order_list"))
        assert page.locator("[data-testid=seller-orders] tbody tr").count() == 1
        page.screenshot(path=str(shots / f"seller-orders-{label}.png"), full_page=True)
        page.click(f"text={order.number}")
        assert "Grace Hopper" in page.inner_text("[data-testid=ship-to]")
        page.screenshot(path=str(shots / f"seller-order-{label}.png"), full_page=True)
        page.context.close()

    page = _session(browser, site, alice.user, DESKTOP)
    page.goto(site + reverse("orders:seller_order_detail", args=[order.number]))
    page.fill("#id_tracking_number", "1Z999AA10123456784")
    page.fill("#id_carrier", "UPS")
    page.screenshot(path=str(shots / "seller-order-ship-1366.png"), full_page=True)
    page.click("[data-testid=mark-shipped]")
    assert "shipped, tracking number 1Z999AA10123456784" in page.inner_text("body")
    assert Order.objects.get(pk=order.pk).status == "shipped"

    page.goto(site + reverse("sellers:product_create"))
    files: list[FilePayload] = [
        {"name": "front.jpg", "mimeType": "image/jpeg", "buffer": photo("JPEG", 0)},
        {"name": "side.png", "mimeType": "image/png", "buffer": photo("PNG", 1)},
    ]
    page.set_input_files("#id_images", files)
    page.wait_for_selector("[data-testid=photo-previews] img >> nth=1")
    assert page.locator("[data-testid=photo-previews] figcaption").all_inner_texts() == ["front.jpg", "side.png"]
    page.screenshot(path=str(shots / "seller-product-form-1366.png"), full_page=True)
    page.context.close()


def test_admin_index_at_a_glance(browser, site, shots, staff_user):
    SellerFactory.create_batch(2, pending=True)
    OrderFactory.create_batch(3, status=Order.Status.PAID)
    duplicate_of = ProductFactory.create(name="Black leather ankle boot with a block heel")
    ProductImageFactory.create(
        product=ProductFactory.create(name="Suede chelsea boot in midnight blue"),
        embedding_status="failed",
        embedding_error="The image is damaged or incomplete: the embedder could not decode it (truncated JPEG).",
        duplicate_of=duplicate_of,
        duplicate_similarity=0.97,
    )
    page = _session(browser, site, staff_user, DESKTOP)
    page.goto(site + reverse("admin:index"))
    assert page.inner_text("[data-testid=pending-sellers]") == "2"
    assert page.inner_text("[data-testid=orders-to-ship]") == "3"
    page.screenshot(path=str(shots / "admin-index-1366.png"), full_page=True)
    page.goto(site + reverse("admin:catalog_productimage_changelist"))
    # The table fits: its scrolling box needs no sideways scroll, and ends inside the window.
    results = page.evaluate(
        "(() => { const r = document.querySelector('.results');"
        " return [r.scrollWidth - r.clientWidth, r.getBoundingClientRect().right]; })()"
    )
    page.screenshot(path=str(shots / "admin-productimages-1366.png"), full_page=True)
    assert results[0] == 0 and results[1] <= 1366
    page.context.close()
