"""The seller dashboard's orders pages, mounted under /sell/orders/ (``orders.urls``): what sold,
what to ship, shipping with a tracking number. They live in the orders app because the seller
app sits below orders in the import layers (``.importlinter``): orders may use the sellers'
``approved_seller_required`` but sellers may not read orders. A seller reaches only orders with
lines they sold (``seller_order_get``: 404 for any other, as for another seller's product)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.exceptions import ShopError
from core.forms import form_add_validation_error
from sellers.views import SellerHttpRequest, approved_seller_required

from .forms import ShipmentForm
from .selectors import seller_order_get, seller_order_list, seller_sales_summary
from .services import order_lines_ship

#: orders per page of a seller's order list
SELLER_ORDERS_PAGE_SIZE = 20


@approved_seller_required
@require_GET
def seller_order_list_view(request: SellerHttpRequest) -> HttpResponse:
    """The seller's orders, newest first, 20 a page: "To ship" (paid, with a line of theirs not
    shipped; the default) or "All" (``?show=all``), with their sales totals."""
    show_all = request.GET.get("show") == "all"
    orders = seller_order_list(seller=request.seller, to_ship=not show_all)
    page = Paginator(orders, SELLER_ORDERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/seller_order_list.html",
        {
            "page": page,
            "show_all": show_all,
            "seller": request.seller,
            "sales": seller_sales_summary(seller=request.seller),
        },
    )


@approved_seller_required
@require_http_methods(["GET", "POST"])
def seller_order_detail_view(request: SellerHttpRequest, number: str) -> HttpResponse:
    """One order as its seller sees it: the delivery address, their own lines and parcels, and
    (while any of their lines is left to ship) a form to ship them with a tracking number."""
    order = seller_order_get(seller=request.seller, number=number)
    form = ShipmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fulfilment = order_lines_ship(
                order=order,
                seller=request.seller,
                tracking_number=form.cleaned_data["tracking_number"],
                carrier=form.cleaned_data["carrier"],
                actor=request.user,
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except ShopError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Order {order.number}: shipped, tracking number {fulfilment.tracking_number}.")
            return redirect("orders:seller_order_detail", number=order.number)
    return render(
        request,
        "orders/seller_order_detail.html",
        {"order": order, "form": form, "seller": request.seller},
        status=400 if form.errors else 200,
    )
