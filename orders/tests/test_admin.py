from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from payments import PaymentStatus

from accounts.tests.factories import StaffUserFactory, UserFactory
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from orders.models import Order
from orders.services import order_lines_ship, payment_create

from .flows import order_placed

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db


def _paid(product: Product, quantity: int = 1) -> Order:
    order = order_placed(products=[product], quantities=[quantity])
    payment_create(order=order).change_status(PaymentStatus.PREAUTH)
    order.refresh_from_db()
    return order


def _action(client: Client, action: str, *orders: Order, **extra: str) -> TestResponse:
    changelist = reverse("admin:orders_order_changelist")
    data = {"action": action, "_selected_action": [o.pk for o in orders], **extra}
    return client.post(changelist, data, follow=True)


def test_staff_see_orders_with_lines_payments_and_events(staff_client):
    order = _paid(ProductFactory.create(name="Pullover", sku="PO-1", stock=2))
    assert order.number.encode() in staff_client.get(reverse("admin:orders_order_changelist")).content
    page = staff_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "PO-1" in page and "Pending payment" in page and "confirmed" in page.lower()


def test_staff_ship_with_a_tracking_number_and_deliver_through_the_status_service(staff_client):
    order = _paid(ProductFactory.create(stock=2))
    form = _action(staff_client, "mark_shipped", order).content.decode()
    assert f'name="tracking_{order.pk}"' in form  # the page asking for the tracking number
    assert Order.objects.get(pk=order.pk).status == "paid"
    _action(
        staff_client,
        "mark_shipped",
        order,
        ship="yes",
        **{f"tracking_{order.pk}": "1Z-42", f"carrier_{order.pk}": "UPS"},
    )
    _action(staff_client, "mark_delivered", order)
    order.refresh_from_db()
    assert order.status == "delivered"
    parcel = order.fulfilments.get()
    assert (parcel.carrier, parcel.tracking_number, parcel.seller_id) == ("UPS", "1Z-42", None)
    events = list(order.events.values_list("to_status", "actor__email", "note"))
    assert events[-2:] == [
        ("shipped", "staff@example.com", "Shipped: UPS 1Z-42"),
        ("delivered", "staff@example.com", "Changed in admin"),
    ]


def test_shipping_without_a_tracking_number_is_refused(staff_client):
    order = _paid(ProductFactory.create(stock=2))
    response = _action(staff_client, "mark_shipped", order, ship="yes", **{f"tracking_{order.pk}": " "})
    assert f"{order.number}: This field cannot be blank." in response.content.decode()
    assert Order.objects.get(pk=order.pk).status == "paid" and order.fulfilments.count() == 0


def test_refused_moves_are_reported_and_change_nothing(staff_client):
    pending = order_placed(products=[ProductFactory.create(stock=2)])
    response = _action(staff_client, "mark_shipped", pending, ship="yes", **{f"tracking_{pending.pk}": "T"})
    assert "is pending payment; only paid orders are shipped" in response.content.decode()
    response = _action(staff_client, "mark_delivered", pending)
    assert "pending payment cannot become delivered" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending_payment"


def test_staff_refund_gives_money_and_stock_back(staff_client):
    product = ProductFactory.create(stock=5)
    order = _paid(product, quantity=2)
    assert Product.objects.get(pk=product.pk).stock == 3
    _action(staff_client, "refund_orders", order, confirm="yes")
    order.refresh_from_db()
    assert order.status == "refunded"
    assert order.payments.get().status == PaymentStatus.REFUNDED
    assert Product.objects.get(pk=product.pk).stock == 5


def test_status_cannot_be_edited_directly(staff_client):
    order = _paid(ProductFactory.create(stock=2))
    form = staff_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert 'name="status"' not in form
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_unsent_receipts_can_be_sent_from_admin(staff_client, mailoutbox):
    order = _paid(ProductFactory.create(stock=2))  # no on-commit callbacks in this test: no receipt yet
    assert mailoutbox == [] and order.receipt_sent_at is None
    _action(staff_client, "send_receipts", order)
    _action(staff_client, "send_receipts", order)
    assert len(mailoutbox) == 1


@pytest.mark.parametrize(
    ("action", "button"), [("refund_orders", "Yes, refund them"), ("cancel_orders", "Yes, cancel them")]
)
def test_refund_and_cancel_ask_for_confirmation_first(staff_client, action, button):
    product = ProductFactory.create(stock=5, price=Decimal("30.00"))
    order = _paid(product, quantity=2)
    page = _action(staff_client, action, order).content.decode()
    assert button in page and order.number in page and "$64.95" in page  # 2 × 30.00 + 4.95 shipping
    assert 'name="confirm" value="yes"' in page
    order.refresh_from_db()
    assert order.status == "paid" and order.payments.get().status == PaymentStatus.CONFIRMED
    assert Product.objects.get(pk=product.pk).stock == 3
    _action(staff_client, action, order, confirm="yes")
    order.refresh_from_db()
    assert order.status == ("refunded" if action == "refund_orders" else "cancelled")
    assert Product.objects.get(pk=product.pk).stock == 5


def test_view_on_site_opens_the_order_page_for_staff_only(staff_client):
    order = _paid(ProductFactory.create(stock=2))
    assert order.user_id is None  # a guest's order: its page needs the signed key
    change = staff_client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    content_type = ContentType.objects.get_for_model(Order).pk
    shortcut = reverse("admin:view_on_site", args=[content_type, order.pk])
    assert shortcut in change
    redirect = staff_client.get(shortcut)
    assert redirect.status_code == 302 and redirect["Location"].endswith(f"/orders/{order.number}/")
    assert staff_client.get(order.get_absolute_url()).status_code == 200
    assert Client().get(order.get_absolute_url()).status_code == 404
    shopper = Client()
    shopper.force_login(UserFactory.create(email="someone@example.com"))
    assert shopper.get(order.get_absolute_url()).status_code == 404
    no_perm = Client()
    no_perm.force_login(StaffUserFactory.create())  # staff without the orders' view permission
    assert no_perm.get(order.get_absolute_url()).status_code == 404


def test_refunding_a_delivered_order_restocks_only_when_staff_say_the_goods_came_back(staff_client):
    product = ProductFactory.create(stock=5)
    kept, returned = _paid(product, quantity=2), _paid(product, quantity=1)
    for order in (kept, returned):
        order_lines_ship(order=order, seller=None, tracking_number="1Z-42")
    assert Product.objects.get(pk=product.pk).stock == 2
    response = _action(staff_client, "refund_orders", kept, confirm="yes")
    assert "1 order(s) refunded; payments given back and stock of items not shipped returned." in (
        response.content.decode()
    )
    assert Product.objects.get(pk=product.pk).stock == 2
    page = _action(staff_client, "refund_restock_orders", returned).content.decode()
    assert "Yes, refund and restock them" in page
    _action(staff_client, "refund_restock_orders", returned, confirm="yes")
    assert Order.objects.get(pk=returned.pk).status == "refunded"
    assert Product.objects.get(pk=product.pk).stock == 3
