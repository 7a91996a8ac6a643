"""Every storefront page on a phone (390 × 844, touch, 2× pixels) and on a desktop (1366 × 900), in
a real browser against the live shop: a seller who also shops logs in, opens and closes the
header's menu, adds a product from its category page, looks through its gallery, searches by
words and by photo, checks out, pays, and opens their account and the seller dashboard.

On the phone no page is wider than the screen (``document.scrollingElement.scrollWidth``, which a
mobile browser would otherwise fit by widening the layout viewport, compared with the device's
390 px), and the header's controls and each page's buttons are at least 44 px tall. Screenshots
of every page at both sizes go to $VITRINE_SCREENSHOT_DIR when set (``phone-<n>-<page>-390.png``
and ``-1366.png``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.urls import reverse

from catalog.models import Product, ProductImage
from catalog.tests.factories import SELLER_PASSWORD, ProductImageFactory, seller_create
from orders.models import Order
from shop.tests import test_e2e
from shop.tests.test_e2e import _fill_address, _pay_with_test_card

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The end-to-end tests' fixtures: the live shop with the sample catalog, a chromium page, screenshots.
shop = test_e2e.shop
browser_page = test_e2e.browser_page
shots = test_e2e.shots

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
HEADER_CONTROLS = (
    ".site-header .brand, .site-menu-button, #site-search-q, [data-testid=search-camera],"
    " [data-testid=search-submit], [data-testid=cart-link]"
)
MAIN_BUTTONS = "main button, main [role=button], main input[type=submit], main summary"


def _too_small(page: Page, selector: str) -> list[tuple[str, float]]:
    """The visible elements matching ``selector`` that are less than 44 px tall (the start of
    their HTML and their height)."""
    return [
        (element.evaluate("e => e.outerHTML.slice(0, 90)"), box["height"])
        for element in page.locator(selector).all()
        if element.is_visible() and (box := element.bounding_box()) is not None and box["height"] < 44
    ]


def _page_width(page: Page) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


def test_every_page_fits_a_phone_and_the_header_menu_opens_and_closes(
    shop, browser_page, sample_catalog, fashion_mnist_sample, shots
):
    from playwright.sync_api import expect

    seller = seller_create("ines@example.com", "Atelier Ines")
    product = next(p for p in sample_catalog.products if p.stock >= 2 and p.category.slug == "ankle-boot")
    Product.objects.filter(pk=product.pk).update(seller=seller)
    other_row = next(r for r in sample_catalog.rows_in("ankle-boot") if sample_catalog.products[r].pk != product.pk)
    ProductImageFactory.create(
        product=product, sample_row=other_row, position=1, embedding_status=ProductImage.EmbeddingStatus.EMBEDDED
    )

    browser = browser_page.context.browser
    assert browser is not None
    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone = phone_context.new_page()
    phone.set_default_timeout(30_000)
    desktop = browser_page
    desktop.set_viewport_size(DESKTOP)
    seen: list[str] = []

    def check_phone(name: str) -> None:
        assert _page_width(phone) <= PHONE["width"], f"{name} is wider than the phone"
        assert _too_small(phone, HEADER_CONTROLS) == [], name
        assert _too_small(phone, MAIN_BUTTONS) == [], name

    def both(name: str, path: str | None = None) -> None:
        """The page at ``path`` (or the phone's current page) on both screens, checked and shot."""
        if path is not None:
            phone.goto(f"{shop}{path}")
        check_phone(name)
        seen.append(name)
        shots(phone, f"phone-{len(seen):02d}-{name}-390")
        desktop.goto(phone.url)
        assert _page_width(desktop) <= DESKTOP["width"], f"{name} is wider than the desktop"
        expect(desktop.locator("[data-testid=menu-button]")).to_be_hidden()  # desktops show the links
        expect(desktop.locator("[data-testid=site-menu]")).to_be_visible()
        shots(desktop, f"phone-{len(seen):02d}-{name}-1366")

    phone.goto(f"{shop}{reverse('account_login')}")
    phone.fill("input[name=login]", "ines@example.com")
    phone.fill("input[name=password]", SELLER_PASSWORD)
    phone.click("main form button[type=submit]")
    phone.wait_for_selector("[data-testid=account-link]", state="attached")
    desktop.context.add_cookies(phone_context.cookies())

    # Home: the menu is closed; its button opens it (every link 44 px tall), and closes it again.
    both("home", reverse("shop:home"))
    menu = phone.locator("[data-testid=site-menu]")
    expect(menu).to_be_hidden()
    tiles = phone.locator("[data-testid=category-tiles] a")
    assert tiles.count() == 10 and tiles.locator("img").count() == 10  # each category shows a photo
    phone.tap("[data-testid=menu-button]")
    expect(menu).to_be_visible()
    expect(menu.locator("[data-testid=account-link]")).to_be_visible()
    assert _too_small(phone, ".site-menu > li > a, .site-menu summary") == []
    phone.tap(".site-categories > summary")
    expect(menu.get_by_role("link", name="Ankle boot")).to_be_visible()
    assert _page_width(phone) <= PHONE["width"]
    shots(phone, "phone-00-menu-open-390", full_page=False)
    phone.tap("[data-testid=menu-button]")
    expect(menu).to_be_hidden()
    phone.tap("[data-testid=menu-button]")  # Esc closes it too
    expect(menu).to_be_visible()
    phone.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    # A category page: breadcrumbs, and "Add to cart" on its cards.
    both("category", product.category.get_absolute_url())
    assert phone.locator("nav[aria-label=breadcrumb]").inner_text().split() == ["Home", "Ankle", "boot"]
    card = phone.locator(".product-card").filter(has=phone.locator(f"a[href='{product.get_absolute_url()}']"))
    card.locator("[data-testid=card-add-to-cart]").tap()
    phone.wait_for_url(f"{shop}{reverse('shop:cart_detail')}")
    expect(phone.locator("[data-testid=cart-lines]")).to_contain_text(product.name)
    both("cart")
    for part in (".cart-total", ".cart-remove button", "[data-testid=cart-subtotal]"):
        box = phone.locator(part).first.bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"], f"{part} is off the screen"

    # The product page: the seller's store, shipping and returns, a gallery whose thumbnails swap the photo.
    both("product", product.get_absolute_url())
    assert phone.inner_text("[data-testid=sold-by]") == "Sold by Atelier Ines"
    note = phone.inner_text("[data-testid=delivery-note]")
    assert "Standard $4.95" in note and "Express $14.95" in note and "within 30 days" in note
    strip = phone.locator("[data-testid=gallery-main]")
    thumbs = phone.locator("[data-testid=gallery-thumbs] a")
    assert thumbs.count() == 2 and thumbs.nth(0).get_attribute("aria-current") == "true"
    thumbs.nth(1).tap()
    expect(thumbs.nth(1)).to_have_attribute("aria-current", "true")
    expect(thumbs.nth(0)).not_to_have_attribute("aria-current", "true")
    phone.wait_for_function(
        "s => Math.abs(s.scrollLeft - s.clientWidth) < 2", arg=strip.element_handle(), timeout=5_000
    )
    assert phone.url == f"{shop}{product.get_absolute_url()}"  # still in the shop, not the photo file
    shots(phone, "phone-05b-product-second-photo-390", full_page=False)

    both("search-results", f"{reverse('search:results')}?q=ankle+boot")
    assert phone.locator(".product-card").count() >= 1
    both("find-by-photo", reverse("shop:image_search"))

    # Checkout, payment and the confirmation.
    both("checkout", reverse("orders:checkout"))
    _fill_address(phone)
    phone.click("[data-testid=place-order]")
    phone.wait_for_selector("[data-testid=payment-form]")
    both("payment")
    _pay_with_test_card(phone)
    phone.wait_for_selector("[data-testid=order-confirmed]")
    both("confirmation")
    order = Order.objects.get(number=phone.inner_text("[data-testid=order-number]"))
    assert (order.status, [line.product_name for line in order.lines.all()]) == ("paid", [product.name])

    both("account", reverse("accounts:profile"))
    both("seller-dashboard", reverse("sellers:dashboard"))
    expect(phone.locator("main")).to_contain_text(product.name)
    assert seen == [
        "home",
        "category",
        "cart",
        "product",
        "search-results",
        "find-by-photo",
        "checkout",
        "payment",
        "confirmation",
        "account",
        "seller-dashboard",
    ]
    phone_context.close()
