"""A suspended or rejected seller's products leave the shop at once: listings, product pages,
text search, similar items, find by photo and carts; an order placed before, paid afterwards,
is cancelled and its payment given back. Reinstated, they are back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from payments import PaymentStatus

from accounts.models import Seller
from accounts.services import seller_decide
from catalog.exceptions import ProductNotFound
from catalog.models import Product
from catalog.selectors import product_get, product_list
from catalog.tests.factories import CategoryFactory, ProductFactory, seller_create
from orders.models import Order
from orders.services import payment_create
from recommender import embedder
from recommender.selectors import product_similar_list, search_by_vector
from recommender.tests.vectors import E0, embed, unit
from search.selectors import product_search
from shop.selectors import cart_summary
from shop.services import ProductUnavailable, cart_add_product, cart_get_or_create

from .flows import order_placed

pytestmark = pytest.mark.django_db


@pytest.fixture
def market():
    """The shop's own scarf and a seller's scarf and shawl, all alike (and embedded)."""
    seller = seller_create("alice@example.com", "Alice's Attic")
    scarves = CategoryFactory.create(name="Scarves")
    products = {
        "own": ProductFactory.create(name="Wool scarf", category=scarves, price=Decimal("20.00"), stock=5),
        "theirs": ProductFactory.create(
            name="Silk scarf", category=scarves, seller=seller, price=Decimal("30.00"), stock=5
        ),
        "shawl": ProductFactory.create(name="Silk shawl", category=scarves, seller=seller, stock=5),
    }
    version = embedder.model_version()
    embed(products["own"], E0, version=version)
    embed(products["theirs"], unit(0.9, 0.1), version=version)
    embed(products["shawl"], unit(0.8, 0.2), version=version)
    return seller, products


def _names(products) -> list[str]:
    return sorted(p.name for p in products)


def _decide(seller: Seller, status: str) -> None:
    seller_decide(seller=seller, status=status, actor=seller.user)


@pytest.mark.parametrize("status", [Seller.Status.SUSPENDED, Seller.Status.REJECTED])
def test_a_suspended_or_rejected_sellers_products_disappear_everywhere(market, status):
    seller, products = market
    assert _names(product_list()[0]) == ["Silk scarf", "Silk shawl", "Wool scarf"]
    _decide(seller, status)

    assert _names(product_list()[0]) == ["Wool scarf"]
    with pytest.raises(ProductNotFound):
        product_get(slug=products["theirs"].slug)
    results = product_search(query="scarf")
    assert (results.count, [hit.product.name for hit in results.hits]) == (1, ["Wool scarf"])
    assert [s.product.name for s in product_similar_list(product=products["own"])] == []
    assert [s.product.name for s in search_by_vector(vector=E0)] == ["Wool scarf"]
    with pytest.raises(ProductUnavailable):
        cart_add_product(cart=cart_get_or_create(user=None), product_id=products["theirs"].pk)

    _decide(seller, Seller.Status.APPROVED)  # reinstated: back in the shop
    assert _names(product_list()[0]) == ["Silk scarf", "Silk shawl", "Wool scarf"]
    assert product_search(query="scarf").count == 2
    assert [s.product.name for s in product_similar_list(product=products["own"])] == ["Silk scarf", "Silk shawl"]


def test_a_cart_line_of_a_suspended_seller_cannot_be_checked_out(market):
    seller, products = market
    cart = cart_get_or_create(user=None)
    cart_add_product(cart=cart, product_id=products["theirs"].pk)
    _decide(seller, Seller.Status.SUSPENDED)
    assert cart_summary(cart=cart).problems == ["Silk scarf is no longer sold."]


def test_paying_an_order_of_a_since_suspended_seller_cancels_it_and_gives_the_money_back(market):
    seller, products = market
    order = order_placed(products=[products["own"], products["theirs"]], quantities=[1, 2])
    _decide(seller, Seller.Status.SUSPENDED)
    payment = payment_create(order=order)
    payment.change_status(PaymentStatus.PREAUTH)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.cancel_reason == "Sorry, Silk scarf is no longer sold."
    assert payment.status == PaymentStatus.REFUNDED  # the test provider's release
    assert payment.message == "Sorry, Silk scarf is no longer sold."
    assert Product.objects.get(pk=products["own"].pk).stock == 5
    assert Product.objects.get(pk=products["theirs"].pk).stock == 5
    assert order.events.filter(to_status="paid").count() == 0


def test_paying_an_order_whose_product_was_archived_since_cancels_it(market):
    _, products = market
    order = order_placed(products=[products["own"]], quantities=[1])
    Product.objects.filter(pk=products["own"].pk).update(is_active=False)  # staff archived it
    payment = payment_create(order=order)
    payment.change_status(PaymentStatus.PREAUTH)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (Order.Status.CANCELLED, "Sorry, Wool scarf is no longer sold.")
    assert Product.objects.get(pk=products["own"].pk).stock == 5
