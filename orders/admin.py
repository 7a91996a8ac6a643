from __future__ import annotations

from typing import cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from payments import PaymentError

from accounts.http import AuthenticatedHttpRequest
from core.exceptions import ShopError

from .models import Fulfilment, Order, OrderEvent, OrderLine, Payment
from .pipeline import order_cancel
from .services import order_lines_ship, order_set_status
from .tasks import order_receipt_send_task


class _RecordInline(admin.TabularInline):
    """An order's records (lines, parcels, payments, events): shown read-only, never added or
    deleted from the order's page."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class OrderLineInline(_RecordInline):
    model = OrderLine
    fields = [
        "product_name",
        "size",
        "sku",
        "unit_price",
        "quantity",
        "line_total",
        "product",
        "variant",
        "seller",
        "fulfilment",
    ]
    readonly_fields = cast("list[str]", fields)  # field names only, no fieldset groups


class FulfilmentInline(_RecordInline):
    model = Fulfilment
    fields = ["created_at", "tracking_number", "carrier", "seller", "created_by"]
    readonly_fields = cast("list[str]", fields)  # field names only, no fieldset groups


class OrderEventInline(_RecordInline):
    model = OrderEvent
    fields = ["created_at", "from_status", "to_status", "note", "actor"]
    readonly_fields = cast("list[str]", fields)  # field names only, no fieldset groups


class PaymentInline(_RecordInline):
    model = Payment
    fields = ["created", "variant", "status", "total", "captured_amount", "transaction_id", "message"]
    readonly_fields = cast("list[str]", fields)  # field names only, no fieldset groups


def _move(request: AuthenticatedHttpRequest, queryset: QuerySet[Order], status: str) -> None:
    done = 0
    for order in queryset:
        try:
            order_set_status(order=order, status=status, actor=request.user, note="Changed in admin")
            done += 1
        except ShopError as exc:
            messages.error(request, f"{order.number}: {exc}")
    if done:
        messages.success(request, f"{done} order(s) marked {Order.Status(status).label.lower()}.")


def _cancel(
    request: AuthenticatedHttpRequest, queryset: QuerySet[Order], *, refund: bool, restock: bool = False
) -> None:
    done = 0
    for order in queryset:
        try:
            order_cancel(
                order=order,
                actor=request.user,
                refund=refund,
                restock=restock,
                reason=("Refunded by staff, goods returned" if restock else "Refunded by staff")
                if refund
                else "Cancelled by staff",
            )
            done += 1
        except (ShopError, PaymentError) as exc:
            messages.error(request, f"{order.number}: {exc}")
    if done:
        verb = "refunded" if refund else "cancelled"
        stock = "stock returned" if restock else "stock of items not shipped returned"
        messages.success(request, f"{done} order(s) {verb}; payments given back and {stock}.")


def _confirmation(
    site: admin.AdminSite,
    request: HttpRequest,
    queryset: QuerySet[Order],
    *,
    action: str,
    title: str,
    button: str,
    warning: str,
) -> TemplateResponse:
    """The page between choosing an action and running it (like Django's delete confirmation):
    the selected orders with their totals and a button that posts the action again, confirmed."""
    return TemplateResponse(
        request,
        "admin/orders/order/action_confirmation.html",
        {
            **site.each_context(request),
            "title": title,
            "orders": list(queryset.order_by("pk")),
            "action": action,
            "button": button,
            "warning": warning,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": Order._meta,
        },
    )


def _confirmed(request: HttpRequest) -> bool:
    return request.method == "POST" and request.POST.get("confirm") == "yes"


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "created_at",
        "email",
        "full_name",
        "status",
        "total",
        "shipping_method",
        "delivery_latest",
    ]
    list_filter = ["status", "shipping_method", "created_at"]
    search_fields = ["number", "email", "full_name", "lines__sku"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, FulfilmentInline, PaymentInline, OrderEventInline]
    actions = [
        "mark_shipped",
        "mark_delivered",
        "cancel_orders",
        "refund_orders",
        "refund_restock_orders",
        "send_receipts",
    ]
    # Status moves only through the actions (order_set_status), never by editing the field.
    readonly_fields = [
        "number", "status", "user", "email", "currency", "subtotal", "shipping_price", "total",
        "shipping_method", "shipping_method_name", "delivery_earliest", "delivery_latest",
        "cancel_reason", "receipt_sent_at", "created_at", "updated_at", "cart", "checkout_token",
    ]  # fmt: skip
    fieldsets = (
        (None, {"fields": ("number", "status", "cancel_reason", "user", "email", "created_at", "updated_at")}),
        ("Shipping", {"fields": (*Order.ADDRESS_FIELDS, "shipping_method_name", "delivery_earliest",
                                 "delivery_latest")}),
        ("Totals", {"fields": ("currency", "subtotal", "shipping_price", "total", "receipt_sent_at")}),
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False

    @admin.action(description="Mark selected orders shipped (with a tracking number)")
    def mark_shipped(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Order]) -> TemplateResponse | None:
        """A page asking each order's tracking number (and carrier), then ``order_lines_ship``
        for every line left to ship; the order becomes shipped with an event."""
        orders = list(queryset.order_by("pk"))
        if not (request.method == "POST" and request.POST.get("ship") == "yes"):
            return TemplateResponse(
                request,
                "admin/orders/order/ship.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Ship orders",
                    "orders": orders,
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "opts": Order._meta,
                },
            )
        done = 0
        for order in orders:
            try:
                order_lines_ship(
                    order=order,
                    seller=None,
                    tracking_number=request.POST.get(f"tracking_{order.pk}", ""),
                    carrier=request.POST.get(f"carrier_{order.pk}", ""),
                    actor=request.user,
                )
                done += 1
            except ValidationError as exc:
                messages.error(request, f"{order.number}: {' '.join(exc.messages)}")
            except ShopError as exc:
                messages.error(request, f"{order.number}: {exc}")
        if done:
            messages.success(request, f"{done} order(s) marked shipped.")
        return None

    @admin.action(description="Mark selected orders delivered")
    def mark_delivered(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Order]) -> None:
        _move(request, queryset, Order.Status.DELIVERED)

    @admin.action(description="Cancel selected orders (give payments back, return stock)")
    def cancel_orders(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Order]) -> TemplateResponse | None:
        """After a confirmation page: ``order_cancel`` each order (payments released or refunded)."""
        if not _confirmed(request):
            return _confirmation(
                self.admin_site,
                request,
                queryset,
                action="cancel_orders",
                title="Cancel these orders?",
                button="Yes, cancel them",
                warning="Their payments are given back (released, or refunded when captured) and their stock "
                "returned. This cannot be undone.",
            )
        _cancel(request, queryset, refund=False)
        return None

    @admin.action(description="Refund selected orders (refund payments, return stock not shipped)")
    def refund_orders(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Order]) -> TemplateResponse | None:
        """After a confirmation page: ``order_cancel`` with a refund for each order (shipped
        items are not restocked: they are not back on the shelf)."""
        if not _confirmed(request):
            return _confirmation(
                self.admin_site,
                request,
                queryset,
                action="refund_orders",
                title="Refund these orders?",
                button="Yes, refund them",
                warning="The amounts below go back to the shoppers' cards and the stock of items not shipped "
                "yet is returned; shipped items are not restocked. This cannot be undone.",
            )
        _cancel(request, queryset, refund=True)
        return None

    @admin.action(description="Refund selected orders and restock shipped items (goods returned)")
    def refund_restock_orders(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Order]
    ) -> TemplateResponse | None:
        """After a confirmation page: ``order_cancel`` with a refund and ``restock`` for each
        order: the shipped goods came back, so all of the order's stock is returned."""
        if not _confirmed(request):
            return _confirmation(
                self.admin_site,
                request,
                queryset,
                action="refund_restock_orders",
                title="Refund these orders and restock them?",
                button="Yes, refund and restock them",
                warning="The amounts below go back to the shoppers' cards and all their items, shipped ones "
                "too, go back into stock: only do this for goods that came back. This cannot be undone.",
            )
        _cancel(request, queryset, refund=True, restock=True)
        return None

    @admin.action(description="Send receipts not sent yet (paid orders)")
    def send_receipts(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Order]) -> None:
        ids = [order.pk for order in queryset if order.is_paid and order.receipt_sent_at is None]
        for order_id in ids:
            order_receipt_send_task.delay(order_id)
        messages.success(request, f"{len(ids)} receipt(s) queued.")
