from __future__ import annotations

import math
import uuid
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from payments import PaymentError, PaymentStatus, RedirectNeeded

from accounts.models import Address
from accounts.selectors import address_default, address_list
from accounts.services import address_save
from core.exceptions import ShopError
from core.forms import form_add_validation_error
from core.http import client_ip
from core.money import money_format
from shop.cart import request_cart
from shop.selectors import cart_summary
from shop.shipping import delivery_estimate, shipping_methods

from .exceptions import ExpiredOrderLink, InvalidOrderLink
from .forms import CheckoutForm, OrderLookupForm
from .models import Order, Payment
from .payment_providers import APPROVE, DECLINE, confirmation_sign
from .selectors import (
    order_get_for_viewer,
    order_guest_find,
    order_link_check,
    order_link_url,
    order_list_for_user,
    order_payment_latest,
)
from .services import ShippingAddress, order_link_send, order_place, payment_create
from .throttling import OrderLinkThrottle

ADDRESS_FIELDS = ShippingAddress.FIELDS


# --- Checkout: the cart becomes an order --------------------------------------------------


def _shipping_choices(today: date) -> list[tuple[str, str]]:
    choices = []
    for method in shipping_methods():
        earliest, latest = delivery_estimate(method=method, start=today)
        when = f"{earliest:%a %-d %b}" + (f" – {latest:%a %-d %b}" if latest != earliest else "")
        choices.append(
            (method.code, f"{method.name} · {money_format(method.price)} · {method.description}, arrives {when}")
        )
    return choices


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    """Contact, address and shipping method → an order waiting for payment → the payment page."""
    cart = request_cart(request)
    summary = cart_summary(cart=cart)
    if cart is None or summary.is_empty:
        messages.info(request, "Your cart is empty.")
        return redirect("shop:cart_detail")
    today = timezone.localdate()
    user = request.user
    initial: dict[str, Any] = {"checkout_token": uuid.uuid4(), "shipping_method": "standard"}
    saved = address_list(user=user) if user.is_authenticated else []
    if user.is_authenticated:
        initial["email"] = user.email
        default = address_default(user=user)
        if default is not None:
            initial.update({f: getattr(default, f) for f in ADDRESS_FIELDS})
    form = CheckoutForm(request.POST or None, initial=initial, shipping_choices=_shipping_choices(today), user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            address = ShippingAddress.from_data(data)
            try:
                order = order_place(
                    cart=cart,
                    user=user,
                    email=data["email"],
                    address=address,
                    shipping_method=data["shipping_method"],
                    checkout_token=data["checkout_token"],
                    today=today,
                )
            except ValidationError as exc:
                form_add_validation_error(form, exc)
            except ShopError as exc:
                form.add_error(None, str(exc))
            else:
                if (
                    user.is_authenticated
                    and data.get("save_address")
                    and not any(_same_address(a, address) for a in saved)
                ):
                    address_save(user=user, data={f: data[f] for f in ADDRESS_FIELDS})
                return redirect(order_link_url(order=order, view="orders:order_pay"))
        status = 400
    methods = shipping_methods()
    chosen = next((m for m in methods if m.code == form["shipping_method"].value()), methods[0])
    return render(
        request,
        "orders/checkout.html",
        {
            "form": form,
            "summary": summary,
            "saved_addresses": saved,
            "shipping_methods": methods,
            # The total with each method, for the summary to follow the method chosen.
            "totals_by_method": {m.code: money_format(summary.subtotal + m.price) for m in methods},
            "shipping_prices": {m.code: [m.name, money_format(m.price)] for m in methods},
            "shipping_chosen": chosen,
            "total_chosen": summary.subtotal + chosen.price,
        },
        status=status,
    )


def _same_address(saved: Address, address: ShippingAddress) -> bool:
    return all(str(getattr(saved, f)) == str(getattr(address, f)) for f in ADDRESS_FIELDS)


# --- A shopper's orders -------------------------------------------------------------------

#: orders per page of the order history
HISTORY_PAGE_SIZE = 20


@login_required
def order_history(request: HttpRequest) -> HttpResponse:
    """The logged-in shopper's orders, newest first, 20 a page (the profile shows the five most
    recent through ``{% recent_orders %}``, ``orders.templatetags.orders_tags``)."""
    page = Paginator(order_list_for_user(user=request.user), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "orders/order_history.html", {"page": page})


# --- One order: its page, payment and link ------------------------------------------------


def _order_or_error(request: HttpRequest, number: str) -> Order | HttpResponse:
    try:
        return order_get_for_viewer(number=number, user=request.user, key=request.GET.get("key"))
    except ExpiredOrderLink:
        context = {"number": number, "key": request.GET.get("key")}
        return render(request, "orders/order_link_expired.html", context, status=410)


def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The order page (the confirmation page after payment, and the link in the receipt)."""
    order = _order_or_error(request, number)
    if isinstance(order, HttpResponse):
        return order
    payment = order_payment_latest(order=order)
    awaiting = (
        order.status == Order.Status.PENDING_PAYMENT
        and payment is not None
        and payment.status in (PaymentStatus.WAITING, PaymentStatus.PREAUTH)
    )
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "lines": list(order.lines.all()),
            "payment": payment,
            "pay_url": order_link_url(order=order, view="orders:order_pay"),
            "awaiting_payment": awaiting,
        },
    )


@require_http_methods(["GET", "POST"])
def order_pay(request: HttpRequest, number: str) -> HttpResponse:
    """The payment step: the provider's form (test cards offline, or a redirect to Stripe)."""
    order = _order_or_error(request, number)
    if isinstance(order, HttpResponse):
        return order
    detail_url = order_link_url(order=order)
    if order.status != Order.Status.PENDING_PAYMENT:
        if order.status == Order.Status.CANCELLED:
            messages.error(request, f"Order {order.number} was cancelled and can no longer be paid.")
        return redirect(detail_url)
    declined = None
    if request.GET.get("declined"):
        latest = order_payment_latest(order=order)
        if latest is not None and latest.status in (PaymentStatus.REJECTED, PaymentStatus.ERROR):
            declined = latest.message or "Your payment was not accepted."
    try:
        payment = payment_create(order=order, ip_address=client_ip(request))
        form = payment.get_form(data=request.POST or None)
    except RedirectNeeded as to:
        return redirect(str(to))
    except (PaymentError, ShopError) as exc:
        messages.error(request, f"The payment could not be started: {exc}")
        return redirect(detail_url)
    return render(
        request,
        "orders/order_pay.html",
        {"order": order, "lines": list(order.lines.all()), "form": form, "declined": declined, "payment": payment},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def order_link_resend(request: HttpRequest, number: str) -> HttpResponse:
    """From an expired link's page: email a fresh link to the address the order was placed with
    (the only place it goes, so the page reveals nothing). Only an *expired* genuine key is
    accepted (404 otherwise: a live link needs no new one); at most one email per order and
    address per ``ORDER_LINK_EMAIL_INTERVAL_MINUTES`` ("already sent"), and ``ORDER_LINK_RATE``
    requests per client IP (429)."""
    throttled = _order_link_throttled(request)
    if throttled is not None:
        return throttled
    order = Order.objects.filter(number=number, user__isnull=True).first()
    if order is None:
        raise Http404("No such order.")
    try:
        order_link_check(number=number, key=request.POST.get("key", ""))
    except ExpiredOrderLink:
        sent = order_link_send(order=order)
    except InvalidOrderLink:
        raise Http404("No such order.") from None
    else:
        raise Http404("No such order.")
    return render(request, "orders/order_link_sent.html", {"number": number, "already_sent": not sent})


def _order_link_throttled(request: HttpRequest) -> HttpResponse | None:
    """The 429 page when this client has asked for too many order links, else ``None``."""
    throttle = OrderLinkThrottle()
    if throttle.allow_request_from(request):
        return None
    seconds = math.ceil(throttle.wait() or 1)
    wait = f"{math.ceil(seconds / 60)} minutes" if seconds >= 120 else f"{seconds} seconds"
    return render(request, "orders/order_link_sent.html", {"throttled": True, "wait": wait}, status=429)


@require_http_methods(["GET", "POST"])
def order_lookup(request: HttpRequest) -> HttpResponse:
    """ "Find my order": a guest who lost the link gives the order number and the email address
    it was placed with, and a fresh link goes to that address. The answer is the same whether or
    not they match, or whether an email went out recently (``order_link_send``), so the page
    tells a stranger nothing. ``ORDER_LINK_RATE`` POSTs per client IP (429)."""
    form = OrderLookupForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    if request.method == "POST":
        throttled = _order_link_throttled(request)
        if throttled is not None:
            return throttled
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["number"]
        order = order_guest_find(number=number, email=form.cleaned_data["email"])
        if order is not None:
            order_link_send(order=order)
        return render(request, "orders/order_link_sent.html", {"number": number, "lookup": True})
    return render(request, "orders/order_lookup.html", {"form": form}, status=400 if form.errors else 200)


def test_payment_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The test provider's "confirm with your bank" page (3-D Secure). Its buttons post a signed
    confirmation to django-payments' callback URL, as the bank's answer would arrive."""
    payment = Payment.objects.filter(token=token, variant="test").select_related("order").first()
    if payment is None or payment.status not in (PaymentStatus.WAITING, PaymentStatus.INPUT):
        raise Http404("No payment is waiting for confirmation.")
    return render(
        request,
        "orders/test_payment_confirm.html",
        {
            "payment": payment,
            "order": payment.order,
            "process_url": payment.get_process_url(),
            "approve": confirmation_sign(token=str(payment.token), result=APPROVE),
            "decline": confirmation_sign(token=str(payment.token), result=DECLINE),
        },
    )
