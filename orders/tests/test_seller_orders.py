"""A seller's orders: their own lines only (404 for anybody else's), shipping with a tracking
number (the order becomes shipped when every line is), sales totals, and the snapshot of the
seller on each order line."""

from __future__ import annotations

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Seller
from catalog.tests.factories import ProductFactory, seller_create
from orders.exceptions import OrderNotShippable
from orders.models import Order, OrderLine
from orders.selectors import seller_order_list, seller_sales_summary
from orders.services import order_lines_ship

from .factories import OrderFactory, OrderLineFactory
from .flows import order_placed

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice() -> Seller:
    return seller_create("alice@example.com", "Alice's")


@pytest.fixture
def bob() -> Seller:
    return seller_create("bob@example.com", "Bob's")


def _client(seller: Seller) -> Client:
    client = Client()
    client.force_login(seller.user)
    return client


def _line(order: Order, seller: Seller | None, sku: str, price: str = "10.00", quantity: int = 1) -> OrderLine:
    product = ProductFactory.create(seller=seller, sku=sku, name=f"Item {sku}", price=Decimal(price))
    return OrderLineFactory.create(order=order, product=product, seller=seller, quantity=quantity)


@pytest.fixture
def shared_order(alice: Seller, bob: Seller) -> Order:
    """A paid order with one line of Alice's (AL-1) and one of Bob's (BO-1)."""
    order = OrderFactory.create(status=Order.Status.PAID, full_name="Ada Lovelace", city="London")
    _line(order, alice, "AL-1", "25.00", 2)
    _line(order, bob, "BO-1", "40.00")
    return order


def test_order_placement_snapshots_each_line_seller(alice):
    mine = ProductFactory.create(seller=alice, stock=3)
    shop_own = ProductFactory.create(seller=None, stock=3)
    order = order_placed(products=[mine, shop_own])
    assert dict(order.lines.values_list("sku", "seller_id")) == {mine.sku: alice.pk, shop_own.sku: None}


def test_migration_fills_existing_lines_seller_from_their_product(alice, bob):
    migration = importlib.import_module("orders.migrations.0004_orderline_seller_fulfilment")
    order = OrderFactory.create()
    a = OrderLineFactory.create(order=order, product=ProductFactory.create(seller=alice), seller=None)
    b = OrderLineFactory.create(order=order, product=ProductFactory.create(seller=bob), seller=None)
    shop_own = OrderLineFactory.create(order=order, product=ProductFactory.create(seller=None), seller=None)
    gone = OrderLineFactory.create(order=order, product=None, product_name="Deleted", sku="GONE-1", unit_price=1)
    migration.orderline_seller_fill(apps, None)
    sellers = dict(OrderLine.objects.values_list("pk", "seller_id"))
    assert sellers == {a.pk: alice.pk, b.pk: bob.pk, shop_own.pk: None, gone.pk: None}


def test_seller_sees_only_their_own_lines(alice, bob, shared_order):
    page = _client(alice).get(reverse("orders:seller_order_list")).content.decode()
    assert shared_order.number in page and "AL-1" in page and "BO-1" not in page
    assert "$50.00" in page  # their total in the order: 2 × 25.00, not the order's 90.00
    detail = _client(alice).get(reverse("orders:seller_order_detail", args=[shared_order.number]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "AL-1" in text and "BO-1" not in text and "Ada Lovelace" in text and "London" in text


def test_another_sellers_order_is_404_and_cannot_be_shipped(alice, bob):
    order = OrderFactory.create(status=Order.Status.PAID)
    _line(order, bob, "BO-2")
    url = reverse("orders:seller_order_detail", args=[order.number])
    assert _client(alice).get(url).status_code == 404
    assert _client(alice).get(reverse("orders:seller_order_detail", args=["VT-NONE-NONE"])).status_code == 404
    assert _client(alice).post(url, {"tracking_number": "1Z999"}).status_code == 404
    assert order.fulfilments.count() == 0 and Order.objects.get(pk=order.pk).status == "paid"
    assert order.number not in _client(alice).get(reverse("orders:seller_order_list") + "?show=all").content.decode()


def test_unpaid_and_cancelled_orders_are_not_shown(alice):
    pending = OrderFactory.create(status=Order.Status.PENDING_PAYMENT)
    cancelled = OrderFactory.create(status=Order.Status.CANCELLED)
    _line(pending, alice, "AL-P")
    _line(cancelled, alice, "AL-C")
    assert list(seller_order_list(seller=alice)) == []
    url = reverse("orders:seller_order_detail", args=[pending.number])
    assert _client(alice).get(url).status_code == 404


def test_shipping_each_sellers_lines_ships_the_order_when_all_are(alice, bob, shared_order):
    url = reverse("orders:seller_order_detail", args=[shared_order.number])
    assert "Mark 1 item shipped" in _client(alice).get(url).content.decode()
    response = _client(alice).post(url, {"tracking_number": " 1Z-ALICE ", "carrier": "UPS"})
    assert response.status_code == 302
    shared_order.refresh_from_db()
    assert shared_order.status == "paid"  # Bob's line is still to ship
    assert [o.number for o in seller_order_list(seller=alice, to_ship=True)] == []
    assert [o.number for o in seller_order_list(seller=bob, to_ship=True)] == [shared_order.number]
    assert "Mark 1 item shipped" not in _client(alice).get(url).content.decode()  # nothing left for her

    assert _client(bob).post(url, {"tracking_number": "RM-BOB"}).status_code == 302
    shared_order.refresh_from_db()
    assert shared_order.status == "shipped"
    parcels = list(shared_order.fulfilments.values_list("seller__store_name", "carrier", "tracking_number"))
    assert parcels == [("Alice's", "UPS", "1Z-ALICE"), ("Bob's", "", "RM-BOB")]
    assert dict(shared_order.lines.values_list("sku", "fulfilment__tracking_number")) == {
        "AL-1": "1Z-ALICE",
        "BO-1": "RM-BOB",
    }
    event = shared_order.events.get(to_status="shipped")
    assert (event.from_status, event.actor, event.note) == ("paid", bob.user, "Shipped: RM-BOB")


def test_shopper_order_page_shows_the_tracking_numbers(alice, shared_order):
    order_lines_ship(order=shared_order, seller=None, tracking_number="1Z-ALL", carrier="UPS")
    shopper = Client()
    page = shopper.get(shared_order.get_absolute_url() + "?" + _key(shared_order)).content.decode()
    assert "UPS, tracking number <strong>1Z-ALL</strong>" in page


def _key(order: Order) -> str:
    from orders.links import order_link_key

    return f"key={order_link_key(order=order)}"


def test_shipping_needs_a_tracking_number_and_a_paid_order_with_lines_left(alice, shared_order):
    url = reverse("orders:seller_order_detail", args=[shared_order.number])
    response = _client(alice).post(url, {"tracking_number": "  "})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    with pytest.raises(ValidationError):
        order_lines_ship(order=shared_order, seller=alice, tracking_number="")
    order_lines_ship(order=shared_order, seller=alice, tracking_number="T1")
    with pytest.raises(OrderNotShippable, match="nothing left to ship"):
        order_lines_ship(order=shared_order, seller=alice, tracking_number="T2")
    pending = OrderFactory.create(status=Order.Status.PENDING_PAYMENT)
    _line(pending, alice, "AL-9")
    with pytest.raises(OrderNotShippable, match="pending payment; only paid orders are shipped"):
        order_lines_ship(order=pending, seller=alice, tracking_number="T3")
    assert shared_order.fulfilments.count() == 1


def test_sales_totals_count_paid_shipped_and_delivered_lines(alice, bob):
    now = timezone.now()
    paid = OrderFactory.create(status=Order.Status.PAID)
    _line(paid, alice, "S-1", "49.90", 2)  # 99.80, to ship
    _line(paid, bob, "S-2", "500.00")  # Bob's: not in Alice's figures
    shipped = OrderFactory.create(status=Order.Status.SHIPPED)
    _line(shipped, alice, "S-3", "19.99")
    old = OrderFactory.create(status=Order.Status.DELIVERED)
    _line(old, alice, "S-4", "100.00", 3)  # 300.00, 40 days ago: all time only
    Order.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=40))
    for status in (Order.Status.REFUNDED, Order.Status.PENDING_PAYMENT, Order.Status.CANCELLED):
        _line(OrderFactory.create(status=status), alice, f"X-{status}", "1000.00")  # never sales
    sales = seller_sales_summary(seller=alice, now=now)
    assert sales.revenue_recent == Decimal("119.79") and sales.units_recent == 3
    assert sales.revenue_total == Decimal("419.79") and sales.units_total == 6
    assert sales.orders_to_ship == 1
    page = _client(alice).get(reverse("sellers:dashboard")).content.decode()
    assert '<strong data-testid="revenue-recent">$119.79</strong>' in page
    assert '<strong data-testid="revenue-total">$419.79</strong>' in page
    assert '<strong data-testid="orders-to-ship">1</strong>' in page


def test_a_new_seller_has_zero_sales(alice):
    sales = seller_sales_summary(seller=alice)
    assert (sales.revenue_recent, sales.units_recent, sales.revenue_total, sales.units_total) == (
        Decimal("0.00"),
        0,
        Decimal("0.00"),
        0,
    )
    assert sales.orders_to_ship == 0


def test_to_ship_is_the_default_tab_and_all_shows_shipped_orders(alice):
    to_ship = OrderFactory.create(status=Order.Status.PAID)
    _line(to_ship, alice, "T-1")
    done = OrderFactory.create(status=Order.Status.DELIVERED)
    _line(done, alice, "T-2")
    default = _client(alice).get(reverse("orders:seller_order_list")).content.decode()
    assert to_ship.number in default and done.number not in default
    everything = _client(alice).get(reverse("orders:seller_order_list") + "?show=all").content.decode()
    assert to_ship.number in everything and done.number in everything


def test_orders_pages_need_an_approved_seller(client, user):
    client.force_login(user)
    assert client.get(reverse("orders:seller_order_list")).url == reverse("sellers:seller_apply")
