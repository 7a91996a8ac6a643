from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from payments import PaymentError, PaymentStatus, RedirectNeeded

from core.exceptions import ShopError
from core.http import client_ip

from .exceptions import ExpiredOrderLink
from .models import Order, Payment
from .payment_providers import APPROVE, DECLINE, confirmation_sign
from .selectors import order_get_for_viewer, order_link_is_genuine, order_link_url, order_payment_latest
from .services import payment_create
from .tasks import order_link_send_task


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
    (the only place it goes, so the page reveals nothing)."""
    order = Order.objects.filter(number=number, user__isnull=True).first()
    if order is None or not order_link_is_genuine(number=number, key=request.POST.get("key", "")):
        raise Http404("No such order.")
    order_link_send_task.delay(order.pk)
    return render(request, "orders/order_link_sent.html", {"number": number})


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
