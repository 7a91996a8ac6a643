"""The seller dashboard (not Django admin): a seller's own products, their indexing status,
create / edit with photos, archive. Every product is reached through the seller services and
selectors, which answer 404 for anybody else's product."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Seller, User
from accounts.selectors import seller_approved_get, seller_get, seller_is_approved
from accounts.services import seller_apply
from catalog.exceptions import InvalidImage
from catalog.models import Product
from catalog.selectors import product_indexing_status
from catalog.sizes import sizes_text
from core.exceptions import ShopError
from core.forms import form_add_validation_error

from .bulk_import import bulk_import_create, bulk_import_template_csv
from .forms import BulkImportForm, SellerApplyForm, SellerProductForm
from .selectors import seller_bulk_import_get, seller_bulk_import_list, seller_product_get, seller_product_list
from .services import (
    seller_product_create,
    seller_product_reindex,
    seller_product_set_active,
    seller_product_update,
)


class SellerHttpRequest(HttpRequest):
    """The request an ``approved_seller_required`` view receives, for the type checker: the user
    is logged in and ``seller`` is their approved seller account (set by the decorator; at
    runtime it is Django's own request with the attribute set)."""

    user: User
    seller: Seller


_P = ParamSpec("_P")
_R = TypeVar("_R", bound=HttpResponse)


def approved_seller_required(
    view: Callable[Concatenate[SellerHttpRequest, _P], _R],
) -> Callable[Concatenate[HttpRequest, _P], HttpResponse]:
    """Logged in, with an approved seller account; others go to the application page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: _P.args, **kwargs: _P.kwargs) -> HttpResponse:
        seller_request = cast(SellerHttpRequest, request)  # logged in (login_required); ``seller`` set below
        seller = seller_approved_get(user=seller_request.user)
        if seller is None:
            if request.headers.get("Accept", "").startswith("application/json"):
                return JsonResponse({"detail": "Not an approved seller."}, status=403)
            return redirect("sellers:seller_apply")
        seller_request.seller = seller
        return view(seller_request, *args, **kwargs)

    return wrapper


@login_required
@require_http_methods(["GET", "POST"])
def seller_apply_view(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # logged in (login_required)
    seller = seller_get(user=user)
    if seller_is_approved(seller):
        return redirect("sellers:dashboard")
    form = SellerApplyForm(request.POST or None)
    if seller is None and request.method == "POST" and form.is_valid():
        try:
            seller = seller_apply(user=user, store_name=form.cleaned_data["store_name"])
        except (ShopError, ValidationError) as exc:
            form.add_error("store_name", exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, "Thanks! Staff will review your application.")
            return redirect("sellers:seller_apply")
    return render(request, "sellers/seller_apply.html", {"form": form, "seller": seller})


def _rows(products: Iterable[Product]) -> list[dict[str, Any]]:
    rows = []
    for product in products:
        status = product_indexing_status(product)
        duplicates = [
            {
                "name": image.duplicate_of.name,
                "url": image.duplicate_of.get_absolute_url(),
                "similarity_percent": round(100 * (image.duplicate_similarity or 0)),
            }
            for image in product.images.all()
            if image.duplicate_of_id is not None and image.duplicate_of is not None
        ]
        rows.append({"product": product, "status": status, "status_label": status.label, "duplicates": duplicates})
    return rows


#: products per page of the seller dashboard's table
DASHBOARD_PAGE_SIZE = 25


@approved_seller_required
@require_GET
def dashboard(request: SellerHttpRequest) -> HttpResponse:
    """The seller's products, newest first, 25 a page; ``?q=`` finds them by name or SKU."""
    query = request.GET.get("q", "").strip()
    page = Paginator(seller_product_list(seller=request.seller, query=query), DASHBOARD_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "sellers/product_list.html",
        {
            "rows": _rows(page.object_list),
            "page": page,
            "query": query,
            "seller": request.seller,
            "statuses": Product.IndexingStatus,
        },
    )


@approved_seller_required
@require_GET
def dashboard_status(request: SellerHttpRequest) -> JsonResponse:
    """Indexing status of the seller's products, for the dashboard to poll (no page reload):
    ``?ids=1,2,3`` for those products only (the page shown), all of them without it."""
    products = seller_product_list(seller=request.seller)
    ids = [int(part) for part in request.GET.get("ids", "").split(",") if part.strip().isdigit()]
    if ids:
        products = products.filter(pk__in=ids)
    rows = _rows(products)
    return JsonResponse(
        {
            "products": {
                str(r["product"].pk): {"status": r["status"], "label": r["status_label"], "duplicates": r["duplicates"]}
                for r in rows
            }
        }
    )


@approved_seller_required
@require_http_methods(["GET", "POST"])
def product_create_view(request: SellerHttpRequest) -> HttpResponse:
    form = SellerProductForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = seller_product_create(
                seller=request.seller,
                category=data["category"],
                name=data["name"],
                sku=data["sku"],
                price=data["price"],
                stock=data["stock"] or 0,
                variants=data["variants"],
                description=data["description"],
                images=data["images"],
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except ShopError as exc:
            form.add_error("images" if isinstance(exc, InvalidImage) else None, str(exc))
        else:
            messages.success(request, f"{product.name} is published; its photos are being indexed.")
            return redirect("sellers:dashboard")
    status = 400 if form.errors else 200
    return render(request, "sellers/product_form.html", {"form": form, "product": None}, status=status)


@approved_seller_required
@require_http_methods(["GET", "POST"])
def product_edit_view(request: SellerHttpRequest, product_id: int) -> HttpResponse:
    product = seller_product_get(seller=request.seller, product_id=product_id)
    initial = {f: getattr(product, f) for f in ("name", "sku", "category", "price", "stock", "description")}
    sizes = [(v.size, v.stock) for v in product.variants.all()]
    if any(size for size, _ in sizes):
        initial["variants"], initial["stock"] = sizes_text(sizes), None
    form = SellerProductForm(request.POST or None, request.FILES or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        remove = [int(i) for i in request.POST.getlist("remove_image") if i.isdigit()]
        try:
            seller_product_update(
                seller=request.seller,
                product_id=product.pk,
                data={
                    **{f: data[f] for f in ("name", "category", "price", "description")},
                    **({"variants": data["variants"]} if data["variants"] else {"stock": data["stock"]}),
                },
                new_images=data["images"],
                remove_image_ids=remove,
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        except ShopError as exc:
            form.add_error("images", str(exc))
        else:
            messages.success(request, f"{data['name']} saved.")
            return redirect("sellers:dashboard")
    status = 400 if form.errors else 200
    images = list(product.images.all())
    return render(
        request, "sellers/product_form.html", {"form": form, "product": product, "images": images}, status=status
    )


@approved_seller_required
@require_POST
def product_archive_view(request: SellerHttpRequest, product_id: int) -> HttpResponse:
    publish = request.POST.get("publish") == "1"
    product = seller_product_set_active(seller=request.seller, product_id=product_id, is_active=publish)
    messages.success(request, f"{product.name} is {'published' if publish else 'archived'}.")
    return redirect("sellers:dashboard")


@approved_seller_required
@require_POST
def product_reindex_view(request: SellerHttpRequest, product_id: int) -> HttpResponse:
    count = seller_product_reindex(seller=request.seller, product_id=product_id)
    messages.success(request, f"{count} photo(s) queued for indexing again." if count else "Nothing to retry.")
    return redirect("sellers:dashboard")


# --- Bulk import ------------------------------------------------------------------------------


@approved_seller_required
@require_GET
def bulk_import_template_view(request: SellerHttpRequest) -> HttpResponse:
    """The bulk import's CSV template (``text/csv``, a download): the header row and one example
    row, the columns ``bulk_import.COLUMNS``."""
    response = HttpResponse(bulk_import_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="vitrine-products-template.csv"'
    return response


@approved_seller_required
@require_http_methods(["GET", "POST"])
def bulk_import_create_view(request: SellerHttpRequest) -> HttpResponse:
    form = BulkImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            bulk = bulk_import_create(
                seller=request.seller,
                csv_file=form.cleaned_data["csv_file"],
                zip_file=form.cleaned_data["zip_file"],
            )
        except ShopError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("sellers:bulk_import_detail", import_id=bulk.pk)
    imports = seller_bulk_import_list(seller=request.seller, limit=10)
    status = 400 if form.errors else 200
    return render(request, "sellers/bulk_import_form.html", {"form": form, "imports": imports}, status=status)


@approved_seller_required
def bulk_import_detail_view(request: SellerHttpRequest, import_id: int) -> HttpResponse:
    return render(
        request,
        "sellers/bulk_import_detail.html",
        {"bulk": seller_bulk_import_get(seller=request.seller, import_id=import_id)},
    )


@approved_seller_required
@require_GET
def bulk_import_status_view(request: SellerHttpRequest, import_id: int) -> JsonResponse:
    bulk = seller_bulk_import_get(seller=request.seller, import_id=import_id)
    return JsonResponse(
        {
            "status": bulk.status,
            "status_label": bulk.get_status_display(),
            "total_rows": bulk.total_rows,
            "processed_rows": bulk.processed_rows,
            "progress_percent": bulk.progress_percent,
            "created": bulk.created_count,
            "updated": bulk.updated_count,
            "images": bulk.image_count,
            "errors": bulk.errors,
            "failure": bulk.failure,
        }
    )
