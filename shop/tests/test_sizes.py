"""Buying in a size: the product page's size picker, cart lines per size, per-size stock."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.exceptions import InsufficientStock
from catalog.sizes import SizeRun
from catalog.tests.factories import CategoryFactory, ProductFactory
from shop.models import CartLine
from shop.selectors import cart_summary
from shop.services import ProductUnavailable, SizeRequired, cart_add_product, cart_line_remove, cart_line_set_quantity

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainer():
    shoes = CategoryFactory.create(name="Trainers", slug="trainers", size_run=SizeRun.FOOTWEAR)
    return ProductFactory.create(
        category=shoes,
        name="Trainer",
        slug="trainer",
        sku="TR-1",
        price=Decimal("60.00"),
        variants=[("EU 41", 0), ("EU 42", 2), ("EU 43", 8)],
    )


def _variant(product, size):
    return product.variants.get(size=size)


def test_two_sizes_of_one_product_are_two_lines(cart, trainer):
    cart_add_product(cart=cart, product_id=trainer.pk, variant_id=_variant(trainer, "EU 42").pk, quantity=2)
    cart_add_product(cart=cart, product_id=trainer.pk, size="EU 43")
    cart_add_product(cart=cart, product_id=trainer.pk, size="EU 43")
    summary = cart_summary(cart=cart)
    assert [(item.size, item.quantity, item.line_total) for item in summary.items] == [
        ("EU 42", 2, Decimal("120.00")),
        ("EU 43", 2, Decimal("120.00")),
    ]
    assert (summary.count, summary.subtotal, summary.problems) == (4, Decimal("240.00"), [])


def test_a_sized_product_needs_a_size_and_stock_is_per_size(cart, trainer):
    with pytest.raises(SizeRequired, match="Choose a size of Trainer."):
        cart_add_product(cart=cart, product_id=trainer.pk)
    with pytest.raises(InsufficientStock, match=r"Sorry, Trainer \(EU 41\) is sold out."):
        cart_add_product(cart=cart, product_id=trainer.pk, size="EU 41")
    with pytest.raises(InsufficientStock, match=r"Only 2 of Trainer \(EU 42\) left in stock."):
        cart_add_product(cart=cart, product_id=trainer.pk, size="EU 42", quantity=3)
    other = ProductFactory.create(variants=[("", 1)])
    with pytest.raises(ProductUnavailable, match="This size of Trainer is not available."):
        cart_add_product(cart=cart, product_id=trainer.pk, variant_id=other.variants.get().pk)
    assert CartLine.objects.count() == 0


def test_lines_of_one_size_are_changed_and_removed_by_variant(cart, trainer):
    size_42, size_43 = _variant(trainer, "EU 42"), _variant(trainer, "EU 43")
    cart_add_product(cart=cart, product_id=trainer.pk, variant_id=size_42.pk)
    cart_add_product(cart=cart, product_id=trainer.pk, variant_id=size_43.pk)
    with pytest.raises(SizeRequired):
        cart_line_set_quantity(cart=cart, product_id=trainer.pk, quantity=2)
    cart_line_set_quantity(cart=cart, product_id=trainer.pk, variant_id=size_43.pk, quantity=5)
    with pytest.raises(InsufficientStock, match=r"Only 2 of Trainer \(EU 42\)"):
        cart_line_set_quantity(cart=cart, variant_id=size_42.pk, quantity=3)
    cart_line_remove(cart=cart, product_id=trainer.pk, variant_id=size_42.pk)
    assert list(CartLine.objects.values_list("variant__size", "quantity")) == [("EU 43", 5)]


def test_product_page_offers_sizes_with_sold_out_ones_disabled(client, trainer):
    html = client.get(reverse("shop:product_detail", kwargs={"slug": "trainer"})).content.decode()
    picker = html[html.index('data-testid="size-picker"') : html.index("</fieldset>")]
    chips = re.findall(r'<label class="size-chip( sold-out)?" data-testid="size-(eu-\d+)">(.*?)</label>', picker, re.S)
    assert [(name, bool(sold_out)) for sold_out, name, _ in chips] == [
        ("eu-41", True),
        ("eu-42", False),
        ("eu-43", False),
    ]
    assert "disabled" in chips[0][2] and "sold out" in chips[0][2]
    assert "Only 2 left" in chips[1][2] and "disabled" not in chips[1][2]
    assert "left" not in chips[2][2]
    assert picker.count('name="variant_id"') == 3


def test_a_product_of_one_size_needs_no_choice(client):
    ProductFactory.create(name="Tote", slug="tote", stock=3)
    html = client.get(reverse("shop:product_detail", kwargs={"slug": "tote"})).content.decode()
    assert "size-picker" not in html
    assert html.count('name="variant_id"') == 1


def test_adding_without_a_size_is_a_clear_error_on_the_page(client, trainer):
    page = reverse("shop:product_detail", kwargs={"slug": "trainer"})
    response = client.post(
        reverse("shop:cart_add"), {"product_id": trainer.pk, "quantity": 1, "next": page}, follow=True
    )
    assert response.redirect_chain[-1][0] == page
    assert "Choose a size of Trainer." in response.content.decode()
    size_42 = _variant(trainer, "EU 42")
    response = client.post(
        reverse("shop:cart_add"), {"product_id": trainer.pk, "variant_id": size_42.pk, "quantity": 1}, follow=True
    )
    html = response.content.decode()
    assert "Added 1 × Trainer (EU 42) to your cart." in html
    assert '<span data-testid="cart-line-size">Size EU 42</span>' in html
    assert "SKU TR-1-EU42" in html


def test_cart_api_adds_by_size_and_lists_the_variant(trainer):
    from rest_framework.test import APIClient

    api = APIClient()
    url = reverse("api:cart-line-list")
    refused = api.post(url, {"product_id": trainer.pk}, format="json")
    assert (refused.status_code, refused.json()) == (400, {"detail": "Choose a size of Trainer."})
    response = api.post(url, {"product_id": trainer.pk, "size": "EU 43", "quantity": 2}, format="json")
    assert response.status_code == 201
    line = response.json()["lines"][0]
    assert line["variant"] == {"id": _variant(trainer, "EU 43").pk, "size": "EU 43", "sku": "TR-1-EU43"}
    assert (line["quantity"], line["line_total"]) == (2, "120.00")
    detail = api.get(reverse("api:product-detail", kwargs={"pk": trainer.pk})).json()
    assert [(v["size"], v["stock_left"], v["in_stock"], v["price"]) for v in detail["variants"]] == [
        ("EU 41", 0, False, "60.00"),
        ("EU 42", 2, True, "60.00"),
        ("EU 43", None, True, "60.00"),  # 8 left: more than a few, not published
    ]
    assert "stock" not in detail["variants"][0] and detail["stock_left"] is None  # 10 in all


def test_an_order_has_one_line_per_size_with_the_sizes_sku_and_the_receipt_says_the_size(cart, trainer):
    import uuid

    from django.core import mail

    from orders.emails import order_receipt_message
    from orders.services import order_place
    from orders.tests.flows import ADDRESS

    cart_add_product(cart=cart, product_id=trainer.pk, size="EU 42", quantity=2)
    cart_add_product(cart=cart, product_id=trainer.pk, size="EU 43")
    order = order_place(
        cart=cart, email="a@example.com", address=ADDRESS, shipping_method="standard", checkout_token=uuid.uuid4()
    )
    rows = list(order.lines.values_list("product_name", "size", "sku", "quantity", "variant__size"))
    assert rows == [("Trainer", "EU 42", "TR-1-EU42", 2, "EU 42"), ("Trainer", "EU 43", "TR-1-EU43", 1, "EU 43")]
    body = str(order_receipt_message(order=order).body)
    assert "Trainer (EU 42) (SKU TR-1-EU42)\n  2 × $60.00 = $120.00" in body
    assert "Trainer (EU 43) (SKU TR-1-EU43)" in body
    assert mail.outbox == []
