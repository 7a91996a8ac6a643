"""The offline test provider: a card form that behaves like a payment gateway's test mode.

Test cards (any future expiry date, any CVC):

- ``4242 4242 4242 4242`` — approved.
- ``4000 0000 0000 0002`` — declined.
- ``4000 0000 0000 9995`` — declined, insufficient funds.
- ``4000 0000 0000 3220`` — needs the cardholder to confirm with their bank (3-D Secure): the
  shopper is sent to a confirmation page, and the result comes back *asynchronously* as a signed
  callback to django-payments' process URL, as a real gateway's webhook would.

Built on django-payments' ``DummyProvider`` (capture, release and refund always succeed).
Nothing leaves the machine; never configure it for real customers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import stripe
from django import forms
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from payments import PaymentError, PaymentStatus, RedirectNeeded
from payments.dummy import DummyProvider
from payments.forms import CreditCardPaymentForm
from payments.stripe import StripeProviderV3
from payments.stripe.providers import stripe_enabled_events

if TYPE_CHECKING:
    from .models import Payment

APPROVE, DECLINE, NO_FUNDS, CONFIRM = "approve", "decline", "insufficient_funds", "confirm"
TEST_CARDS = {
    "4242424242424242": APPROVE,
    "4000000000000002": DECLINE,
    "4000000000009995": NO_FUNDS,
    "4000000000003220": CONFIRM,
}
DECLINE_MESSAGES = {
    DECLINE: "Your card was declined.",
    NO_FUNDS: "Your card has insufficient funds.",
}
_CONFIRM_SALT = "orders.test-payment-confirmation"
CONFIRMATION_MAX_AGE = 30 * 60  # seconds


class TestCardForm(CreditCardPaymentForm):
    name = forms.CharField(
        label="Name on card", max_length=100, widget=forms.TextInput(attrs={"autocomplete": "cc-name"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # django-payments renders card fields without a name (for gateways that tokenise in the
        # browser); the test provider reads them on the server, so they need one.
        self.fields["number"].widget = forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"})
        self.fields["cvv2"].widget = forms.TextInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"})
        self.fields["cvv2"].help_text = ""
        self.fields["number"].label = "Card number"
        self.fields["cvv2"].label = "CVC"

    def clean_number(self) -> str:
        number = self.cleaned_data["number"]
        if number not in TEST_CARDS:
            raise forms.ValidationError("This shop is in test mode: use a test card, e.g. 4242 4242 4242 4242.")
        return number


def confirmation_sign(*, token: str, result: str) -> str:
    """The signed body of a test 3-D Secure callback (what a gateway signs with its secret)."""
    return signing.dumps({"token": token, "result": result}, salt=_CONFIRM_SALT)


class TestCardProvider(DummyProvider):
    def get_form(self, payment: Payment, data: Any = None) -> TestCardForm:
        if payment.status == PaymentStatus.WAITING:
            payment.change_status(PaymentStatus.INPUT)
        form = TestCardForm(data=data, provider=self, payment=payment)
        if form.is_valid():
            outcome = TEST_CARDS[form.cleaned_data["number"]]
            if outcome == CONFIRM:
                payment.change_status(PaymentStatus.WAITING, "Waiting for the bank's confirmation.")
                raise RedirectNeeded(reverse("orders:test_payment_confirm", kwargs={"token": payment.token}))
            self._apply(payment, APPROVE if outcome == APPROVE else outcome)
            raise RedirectNeeded(payment.get_success_url() if outcome == APPROVE else payment.get_failure_url())
        return form

    def get_token_from_request(self, payment: Payment | None, request: HttpRequest) -> str | None:
        """The test provider has no static callback (its confirmations go to each payment's own
        URL): a POST to ``/payments/process/test/`` is a 404, not django-payments' NotImplementedError
        (a 500; security review L5)."""
        raise PaymentError("The test provider has no static callback.", code=404)

    def _apply(self, payment: Payment, outcome: str) -> None:
        if payment.status not in (PaymentStatus.WAITING, PaymentStatus.INPUT):
            return  # already decided: a replayed callback changes nothing
        if outcome == APPROVE:
            payment.change_status(PaymentStatus.PREAUTH if not self._capture else PaymentStatus.CONFIRMED)
        else:
            payment.change_status(PaymentStatus.REJECTED, DECLINE_MESSAGES.get(outcome, "Payment not confirmed."))

    def process_data(self, payment: Payment, request: HttpRequest) -> HttpResponse:
        """The asynchronous confirmation: a signed ``confirmation`` for this payment's token."""
        try:
            data = signing.loads(request.POST.get("confirmation", ""), salt=_CONFIRM_SALT, max_age=CONFIRMATION_MAX_AGE)
        except signing.BadSignature:
            return HttpResponseBadRequest("Invalid or expired payment confirmation.")
        if data.get("token") != str(payment.token) or data.get("result") not in (APPROVE, DECLINE):
            return HttpResponseBadRequest("Invalid payment confirmation.")
        self._apply(payment, data["result"])
        if payment.status in (PaymentStatus.PREAUTH, PaymentStatus.CONFIRMED):
            return HttpResponseRedirect(payment.get_success_url())
        return HttpResponseRedirect(payment.get_failure_url())


class StripeProvider(StripeProviderV3):
    """django-payments' Stripe Checkout provider, hardened for webhooks.

    - It cannot be built without a webhook signing secret, or with verification off
      (``ImproperlyConfigured``): an empty secret makes every event forgeable.
    - A webhook with a bad or missing signature answers 400 (the library lets Stripe's
      verification error escape as a 500).
    - A signed event must be about this payment's own Checkout Session (``id`` ==
      ``transaction_id``) and, to pay it, carry its amount (``amount_total`` in the currency's
      minor unit, ``currency``); else 400 and the payment is left as it was.
    - An event changes only a payment still waiting for its outcome (``waiting``/``input``): a
      redelivered "completed" after a refund answers 200 and changes nothing (the library would
      set it confirmed, captured = total, again).
    """

    def __init__(self, api_key: str, endpoint_secret: str | None = None, **kwargs: Any) -> None:
        if not endpoint_secret or kwargs.get("secure_endpoint", True) is False:
            raise ImproperlyConfigured(
                "The Stripe provider needs its webhook signing secret (endpoint_secret, STRIPE_WEBHOOK_SECRET)."
            )
        super().__init__(api_key=api_key, endpoint_secret=endpoint_secret, **kwargs)

    def return_event_payload(self, request: HttpRequest) -> Any:
        try:
            return super().return_event_payload(request)
        except (ValueError, stripe.SignatureVerificationError) as exc:
            raise PaymentError("Invalid Stripe webhook signature or payload.", code=400) from exc

    def process_data(self, payment: Payment, request: HttpRequest) -> HttpResponse:
        """Apply a signed Checkout Session event to ``payment``; 400 (``JsonResponse``) when the
        event is about another session or, for a paid one, another amount or currency."""
        event = self.return_event_payload(request)
        if event.get("type") not in stripe_enabled_events:
            return JsonResponse({"status": "OK"})
        session = (event.get("data") or {}).get("object")
        if not isinstance(session, dict) or not payment.transaction_id or session.get("id") != payment.transaction_id:
            return JsonResponse({"error": "The event is not about this payment's Checkout Session."}, status=400)
        if session.get("status") != "expired" and session.get("payment_status") == "paid":
            amount = self.convert_amount(payment.currency, payment.total)
            currency = str(session.get("currency", "")).lower()
            if session.get("amount_total") != amount or currency != payment.currency.lower():
                return JsonResponse({"error": "The event's amount does not match the payment."}, status=400)
        payment.refresh_from_db(fields=["status"])
        if payment.status not in (PaymentStatus.WAITING, PaymentStatus.INPUT):
            # Already decided (paid, refunded, cancelled): Stripe delivers at least once, so a
            # late or repeated event must not flip a refunded payment back to confirmed.
            return JsonResponse({"status": "OK"})
        if session.get("status") == "expired":
            payment.change_status(PaymentStatus.REJECTED)
        elif session.get("payment_status") == "paid":
            payment.captured_amount = payment.total
            payment.change_status(PaymentStatus.CONFIRMED)
        payment.attrs.session = session
        payment.save()
        return JsonResponse({"status": "OK"})
