from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from payments import PaymentStatus

from accounts.models import Address
from accounts.tests.factories import UserFactory
from catalog.models import Product
from catalog.tests.factories import ProductFactory
from orders.models import Order, Payment
from orders.selectors import order_link_key
from shop.models import CartLine

from .flows import ADDRESS_FORM, APPROVED, CONFIRM, DECLINED, add_to_cart, checkout, checkout_token, pay

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db


def _guest_buys(client: Client, product: Product, quantity: int = 1, card: str = APPROVED) -> tuple[str, TestResponse]:
    add_to_cart(client, product.pk, quantity)
    response = checkout(client)
    assert response.status_code == 302, response.content
    return response["Location"], pay(client, response["Location"], card)


def test_guest_checkout_pays_and_gets_receipt(client, product, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pay_url, paid = _guest_buys(client, product, quantity=2)
    order = Order.objects.get()
    assert pay_url.startswith(f"/orders/{order.number}/pay/?key=")
    assert paid.status_code == 302 and paid["Location"].startswith(f"http://127.0.0.1:8000/orders/{order.number}/?key=")
    page = client.get(paid["Location"].removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert b"Thank you, Grace Hopper!" in page.content and order.number.encode() in page.content
    assert order.status == "paid" and order.total == Decimal("104.75")  # 2 × 49.90 + 4.95
    assert Product.objects.get(pk=product.pk).stock == 1
    assert CartLine.objects.count() == 0
    assert len(mailoutbox) == 1
    receipt = mailoutbox[0]
    assert receipt.to == ["grace@example.com"] and order.number in receipt.subject
    assert "Ankle boot (SKU AB-1)\n  2 × $49.90 = $99.80" in receipt.body
    assert "Total: $104.75" in receipt.body
    html = receipt.alternatives[0][0]
    assert '<td style="text-align: right;">$99.80</td>' in html and "1 Navy Yard" in html


def test_tampered_price_and_quantity_fields_change_nothing(client, product):
    client.post(
        reverse("shop:cart_add"), {"product_id": product.pk, "quantity": 1, "price": "0.01", "unit_price": "0.01"}
    )
    response = checkout(client, total="0.01", subtotal="0.01", shipping_price="0")
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.subtotal, order.shipping_price, order.total) == (Decimal("49.90"), Decimal("4.95"), Decimal("54.85"))


@pytest.mark.parametrize("quantity", ["-1", "0", "1000000000000", "abc", "1.5", ""])
def test_bad_quantities_are_refused_clearly(client, product, quantity):
    response = client.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": quantity}, follow=True)
    assert response.status_code == 200
    assert b"Choose a quantity between 1 and 1000" in response.content
    assert CartLine.objects.count() == 0


def test_more_than_stock_is_refused(client, product):
    response = client.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": 4}, follow=True)
    assert b"Only 3 of Ankle boot left in stock." in response.content
    assert CartLine.objects.count() == 0
    add_to_cart(client, product.pk, 2)
    response = client.post(reverse("shop:cart_update"), {"product_id": product.pk, "quantity": 9}, follow=True)
    assert b"Only 3 of Ankle boot left in stock." in response.content
    assert CartLine.objects.get().quantity == 2


def test_missing_csrf_is_refused(product):
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("shop:cart_add"), {"product_id": product.pk, "quantity": 1}).status_code == 403
    assert CartLine.objects.count() == 0


def test_declined_card_charges_nothing_and_can_retry(client, product, mailoutbox, django_capture_on_commit_callbacks):
    pay_url, declined = _guest_buys(client, product, card=DECLINED)
    order = Order.objects.get()
    assert declined.status_code == 302 and "declined=1" in declined["Location"]
    page = client.get(declined["Location"].removeprefix("http://127.0.0.1:8000"))
    assert b"Your card was declined. Nothing was charged" in page.content
    assert order.status == "pending_payment" and Product.objects.get(pk=product.pk).stock == 3
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        pay(client, pay_url, APPROVED)
    order.refresh_from_db()
    assert order.status == "paid" and Product.objects.get(pk=product.pk).stock == 2
    assert sorted(order.payments.values_list("status", flat=True)) == ["confirmed", "rejected"]
    assert len(mailoutbox) == 1


def test_bank_confirmation_arrives_as_a_callback_and_replays_are_harmless(
    client, product, django_capture_on_commit_callbacks
):
    _, to_bank = _guest_buys(client, product, card=CONFIRM)
    assert to_bank.status_code == 302 and "/orders/payments/test/" in to_bank["Location"]
    page = client.get(to_bank["Location"])
    order = Order.objects.get()
    assert order.status == "pending_payment"
    waiting = client.get(
        reverse("orders:order_detail", kwargs={"number": order.number}) + f"?key={order_link_key(order=order)}"
    )
    assert b"We are waiting for the payment to be confirmed." in waiting.content
    approve = page.context["approve"]
    callback = page.context["process_url"]
    other = Client()  # the bank's callback carries no shopper session
    # django-payments' callback view is @atomic: the capture waits for its commit
    with django_capture_on_commit_callbacks(execute=True):
        first = other.post(callback, {"confirmation": approve})
    assert first.status_code == 302
    again = other.post(callback, {"confirmation": approve})
    assert again.status_code == 302
    order.refresh_from_db()
    assert order.status == "paid" and Product.objects.get(pk=product.pk).stock == 2
    assert order.events.filter(to_status="paid").count() == 1
    assert Payment.objects.get().captured_amount == order.total
    forged = other.post(callback, {"confirmation": approve[:-2] + "xx"})
    assert forged.status_code == 400
    paid = client.get(
        reverse("orders:order_detail", kwargs={"number": order.number}) + f"?key={order_link_key(order=order)}"
    )
    assert b"Thank you, Grace Hopper!" in paid.content and b"waiting" not in paid.content


def test_bank_decline_arrives_as_a_callback(client, product):
    _, to_bank = _guest_buys(client, product, card=CONFIRM)
    page = client.get(to_bank["Location"])
    response = Client().post(page.context["process_url"], {"confirmation": page.context["decline"]})
    assert response.status_code == 302 and "declined=1" in response["Location"]
    order = Order.objects.get()
    assert order.status == "pending_payment" and Product.objects.get(pk=product.pk).stock == 3
    assert Payment.objects.get().status == PaymentStatus.REJECTED
    assert client.get(to_bank["Location"]).status_code == 404  # the bank page is gone once answered


def test_other_customers_orders_are_404(client, product):
    _guest_buys(client, product)
    order = Order.objects.get()
    stranger = Client()
    for url in (f"/orders/{order.number}/", f"/orders/{order.number}/pay/", "/orders/VT-0000-0000/"):
        assert stranger.get(url).status_code == 404
    key = order_link_key(order=order)
    other = ProductFactory.create(stock=1)
    second_client = Client()
    _guest_buys(second_client, other)
    second = Order.objects.exclude(pk=order.pk).get()
    assert (
        stranger.get(reverse("orders:order_detail", kwargs={"number": second.number}) + f"?key={key}").status_code
        == 404
    )  # a key opens one order only
    assert (
        stranger.get(
            reverse("orders:order_detail", kwargs={"number": order.number}) + f"?key={key[:-3]}abc"
        ).status_code
        == 404
    )
    response = stranger.get(reverse("orders:order_detail", kwargs={"number": order.number}) + f"?key={key}")
    assert response.status_code == 200 and b"Grace Hopper" in response.content
    assert b"Grace" not in stranger.get(reverse("orders:order_detail", kwargs={"number": second.number})).content


def test_expired_guest_link_says_so(client, product, settings):
    _guest_buys(client, product)
    order = Order.objects.get()
    key = order_link_key(order=order)
    later = order.created_at + timedelta(days=settings.ORDER_LINK_MAX_AGE_DAYS + 1)
    expired = mock.patch("django.core.signing.time.time", return_value=later.timestamp())
    with expired:
        response = Client().get(reverse("orders:order_detail", kwargs={"number": order.number}) + f"?key={key}")
    assert response.status_code == 410
    assert b"This order link has expired" in response.content and b"Grace" not in response.content

    # The expired (but genuine) key gets a fresh link, sent to the order's own address only.
    mail.outbox.clear()
    stranger = Client()
    with expired:
        assert (
            stranger.post(
                reverse("orders:order_link_resend", kwargs={"number": order.number}), {"key": key[:-3] + "abc"}
            ).status_code
            == 404
        )
        assert mail.outbox == []
        sent = stranger.post(reverse("orders:order_link_resend", kwargs={"number": order.number}), {"key": key})
    assert sent.status_code == 200 and b"Grace" not in sent.content and b"grace@" not in sent.content
    assert [m.to for m in mail.outbox] == [["grace@example.com"]]
    match = re.search(r"http://127\.0\.0\.1:8000(/orders/\S+)", str(mail.outbox[0].body))
    assert match is not None
    fresh = match.group(1)
    assert stranger.get(fresh).status_code == 200


def test_registered_user_sees_history_and_saves_address(client, user, product, django_capture_on_commit_callbacks):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    add_to_cart(client, product.pk)  # as a guest first: the cart follows them in at login
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = checkout(client, email="someone-else@example.com", save_address="on")
        pay(client, response["Location"])
    order = Order.objects.get()
    assert response["Location"] == f"/orders/{order.number}/pay/"  # no key: it needs the login
    assert order.user == user and order.email == "grace@example.com"  # the account's address
    assert order.status == "paid"
    assert Address.objects.get(user=user).city == "Arlington"
    history = client.get(reverse("orders:order_history"))
    assert order.number.encode() in history.content
    assert Client().get(reverse("orders:order_detail", kwargs={"number": order.number})).status_code == 404


def test_guest_orders_join_history_only_after_email_verified(client, product):
    _guest_buys(client, product)
    order = Order.objects.get()
    user = UserFactory.create(email="grace@example.com", password="a-long-password-42")
    address = EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    member = Client()
    member.force_login(user)
    assert order.number.encode() not in member.get(reverse("orders:order_history")).content
    assert member.get(reverse("orders:order_detail", kwargs={"number": order.number})).status_code == 404
    address.verified = True
    address.save()
    assert order.number.encode() in member.get(reverse("orders:order_history")).content
    assert member.get(reverse("orders:order_detail", kwargs={"number": order.number})).status_code == 200


def test_double_submitted_checkout_places_one_order(client, product):
    add_to_cart(client, product.pk)
    data = {**ADDRESS_FORM, "checkout_token": checkout_token(client)}
    first, second = client.post(reverse("orders:checkout"), data), client.post(reverse("orders:checkout"), data)
    order = Order.objects.get()  # exactly one
    # Both go to its payment page (the signed keys may differ: they carry the time).
    for response in (first, second):
        assert response["Location"].startswith(f"/orders/{order.number}/pay/?key=")


def test_paying_a_paid_order_again_is_refused(client, product):
    pay_url, _ = _guest_buys(client, product)
    again = pay(client, pay_url)
    assert again.status_code == 302 and "/pay/" not in again["Location"]
    assert Payment.objects.filter(status=PaymentStatus.CONFIRMED).count() == 1
    assert Product.objects.get(pk=product.pk).stock == 2


def test_checkout_fields_carry_autofill_tokens_and_the_right_keyboards(client, product):
    add_to_cart(client, product.pk)
    html = client.get(reverse("orders:checkout")).content.decode()

    def tag(name: str) -> str:
        (found,) = re.findall(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html)
        return found

    expected = {
        "email": 'autocomplete="email"',
        "full_name": 'autocomplete="shipping name"',
        "address_line1": 'autocomplete="shipping address-line1"',
        "address_line2": 'autocomplete="shipping address-line2"',
        "postcode": 'autocomplete="shipping postal-code"',
        "city": 'autocomplete="shipping address-level2"',
        "region": 'autocomplete="shipping address-level1"',
        "country": 'autocomplete="shipping country"',
        "phone": 'autocomplete="shipping tel"',
    }
    for name, token in expected.items():
        assert token in tag(name), name
    assert 'type="email"' in tag("email")
    assert 'type="tel"' in tag("phone") and 'inputmode="tel"' in tag("phone") and 'maxlength="40"' in tag("phone")


def test_invalid_checkout_form_shows_errors(client, product):
    add_to_cart(client, product.pk)
    response = checkout(client, email="nope", postcode="", shipping_method="teleport")
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"email", "postcode", "shipping_method"}
    assert Order.objects.count() == 0


def test_guest_signs_up_verifies_the_email_and_finds_the_order(client, product, mailoutbox):
    _guest_buys(client, product)
    order = Order.objects.get()
    mailoutbox.clear()
    password = "a-long-password-42"
    client.post(reverse("account_signup"), {"email": "grace@example.com", "password1": password, "password2": password})
    assert order.number.encode() not in client.get(reverse("orders:order_history")).content  # not verified yet
    match = re.search(r"http://\S+(/accounts/confirm-email/\S+/)", mailoutbox[0].body)
    assert match is not None
    confirm_url = match.group(1)
    assert client.post(confirm_url).status_code == 302
    history = client.get(reverse("orders:order_history")).content.decode()
    assert order.number in history and "1 × Ankle boot" in history


def test_guest_who_lost_the_link_gets_a_new_one_by_number_and_email(client, product):
    _guest_buys(client, product)
    order = Order.objects.get()
    stranger = Client()
    # Without a key the order page is the shop's 404, which points to "Find your order".
    missing = stranger.get(reverse("orders:order_detail", kwargs={"number": order.number}))
    assert missing.status_code == 404
    assert reverse("orders:order_lookup").encode() in missing.content

    url = reverse("orders:order_lookup")
    assert stranger.get(url).status_code == 200
    mail.outbox.clear()
    # A wrong address gets the same answer and no email.
    wrong = stranger.post(url, {"number": order.number, "email": "mallory@example.com"})
    assert wrong.status_code == 200 and b"If order" in wrong.content
    assert mail.outbox == []
    # Lower-case number, upper-case address: still the order.
    right = stranger.post(url, {"number": order.number.lower(), "email": "GRACE@example.com"})
    assert right.status_code == 200 and right.content.count(b"If order") == 1
    assert [m.to for m in mail.outbox] == [["grace@example.com"]]
    match = re.search(r"http://127\.0\.0\.1:8000(/orders/\S+)", str(mail.outbox[0].body))
    assert match is not None
    assert stranger.get(match.group(1)).status_code == 200

    invalid = stranger.post(url, {"number": "", "email": "not-an-email"})
    assert invalid.status_code == 400 and len(mail.outbox) == 1


def test_checkout_summary_shows_the_total_with_each_shipping_method(client, product):
    add_to_cart(client, product.pk, 2)
    html = client.get(reverse("orders:checkout")).content.decode()
    assert "<title>Checkout · Vitrine</title>" in html
    subtotal = product.price * 2
    # Standard is chosen at first; the script swaps in the other method's server-computed total.
    assert f'data-testid="checkout-total">${subtotal + Decimal("4.95")}</strong>' in html
    assert (
        f'<script id="checkout-totals" type="application/json">'
        f'{{"standard": "${subtotal + Decimal("4.95")}", "express": "${subtotal + Decimal("14.95")}"}}</script>'
    ) in html


@pytest.mark.django_db
def test_the_test_providers_static_callback_is_a_404_not_a_500():
    """Security review L5: django-payments' static callback raised NotImplementedError (a 500)."""
    response = Client(raise_request_exception=False).post("/payments/process/test/", {"token": "x"})
    assert response.status_code == 404
    assert response.json()["error"] == "The test provider has no static callback."
