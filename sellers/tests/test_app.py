"""The sellers app took over the seller side from catalog without changing a public name: the
dashboard's paths, the Seller API's route names, the bulk-import task's registered name and
queue. Its rules are one function each: the approval check and the bulk-import reads."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.urls import NoReverseMatch, resolve, reverse

from accounts.models import Seller
from catalog.models import BulkImport
from catalog.tests.factories import seller_create
from config.celery_app import app
from sellers import views
from sellers.api import views as api_views
from sellers.exceptions import BulkImportNotFound, SellerNotApproved
from sellers.selectors import seller_bulk_import_get, seller_bulk_import_list
from sellers.services import seller_approval_check
from sellers.tasks import bulk_import_run_task

DASHBOARD_PATHS = [
    ("sellers:dashboard", {}, "/sell/", views.dashboard),
    ("sellers:seller_apply", {}, "/sell/apply/", views.seller_apply_view),
    ("sellers:dashboard_status", {}, "/sell/status/", views.dashboard_status),
    ("sellers:product_create", {}, "/sell/products/new/", views.product_create_view),
    ("sellers:product_edit", {"product_id": 7}, "/sell/products/7/edit/", views.product_edit_view),
    ("sellers:product_archive", {"product_id": 7}, "/sell/products/7/archive/", views.product_archive_view),
    ("sellers:product_reindex", {"product_id": 7}, "/sell/products/7/reindex/", views.product_reindex_view),
    ("sellers:bulk_import_create", {}, "/sell/imports/new/", views.bulk_import_create_view),
    ("sellers:bulk_import_detail", {"import_id": 3}, "/sell/imports/3/", views.bulk_import_detail_view),
    ("sellers:bulk_import_status", {"import_id": 3}, "/sell/imports/3/status/", views.bulk_import_status_view),
]

API_PATHS = [
    ("api:seller-product-list", {}, "/api/seller/products/", api_views.SellerProductListView),
    ("api:seller-product-detail", {"product_id": 7}, "/api/seller/products/7/", api_views.SellerProductDetailView),
    (
        "api:seller-product-image-list",
        {"product_id": 7},
        "/api/seller/products/7/images/",
        api_views.SellerProductImageListView,
    ),
    (
        "api:seller-product-image-detail",
        {"product_id": 7, "image_id": 9},
        "/api/seller/products/7/images/9/",
        api_views.SellerProductImageDetailView,
    ),
    (
        "api:seller-product-status",
        {"product_id": 7},
        "/api/seller/products/7/status/",
        api_views.SellerProductStatusView,
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "path", "view"), DASHBOARD_PATHS, ids=[p[0] for p in DASHBOARD_PATHS])
def test_the_dashboard_keeps_its_paths_under_the_sellers_namespace(
    name: str, kwargs: dict[str, int], path: str, view: object
) -> None:
    assert reverse(name, kwargs=kwargs) == path
    match = resolve(path)
    assert (match.namespace, match.func) == ("sellers", view)


@pytest.mark.parametrize(("name", "kwargs", "path", "view"), API_PATHS, ids=[p[0] for p in API_PATHS])
def test_the_seller_api_keeps_its_paths_and_route_names(
    name: str, kwargs: dict[str, int], path: str, view: type
) -> None:
    assert reverse(name, kwargs=kwargs) == path
    match = resolve(path)
    assert match.namespace == "api" and cast(Any, match.func).view_class is view


def test_the_catalog_namespace_no_longer_holds_the_dashboard() -> None:
    with pytest.raises(NoReverseMatch):
        reverse("catalog:dashboard")


def test_the_bulk_import_task_keeps_its_registered_name_and_queue() -> None:
    # Messages queued before the move name the task "catalog.tasks.bulk_import_run_task".
    assert bulk_import_run_task.name == "catalog.tasks.bulk_import_run_task"
    registered = app.tasks["catalog.tasks.bulk_import_run_task"]
    assert registered.__module__ == "sellers.tasks" and registered.run is bulk_import_run_task.run
    assert "sellers.tasks.bulk_import_run_task" not in app.tasks
    assert app.amqp.router.route({}, bulk_import_run_task.name)["queue"].name == "celery"


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["applied", "rejected", "suspended"])
def test_the_approval_check_refuses_every_seller_not_approved(status: str) -> None:
    seller = seller_create("carol@example.com", "Carol's Coats", status=status)
    with pytest.raises(SellerNotApproved) as refused:
        seller_approval_check(seller=seller)
    assert str(refused.value) == "Your seller account is not approved yet: you cannot publish products."
    assert refused.value.status_code == 403


@pytest.mark.django_db
def test_the_approval_check_lets_an_approved_seller_through_and_refuses_no_seller(alice: Seller) -> None:
    seller_approval_check(seller=alice)  # raises nothing
    with pytest.raises(SellerNotApproved):
        seller_approval_check(seller=None)


@pytest.mark.django_db
def test_the_bulk_import_reads_go_through_the_ownership_rule(alice: Seller, bob: Seller) -> None:
    mine = [BulkImport.objects.create(seller=alice) for _ in range(12)]
    theirs = BulkImport.objects.create(seller=bob)
    assert [b.pk for b in seller_bulk_import_list(seller=alice)] == [b.pk for b in reversed(mine)][:10]
    assert [b.pk for b in seller_bulk_import_list(seller=alice, limit=3)] == [b.pk for b in reversed(mine)][:3]
    assert [b.pk for b in seller_bulk_import_list(seller=bob)] == [theirs.pk]
    assert seller_bulk_import_get(seller=alice, import_id=mine[0].pk) == mine[0]
    for import_id in (theirs.pk, theirs.pk + 1000):
        with pytest.raises(BulkImportNotFound, match=r"^No such import\.$"):
            seller_bulk_import_get(seller=alice, import_id=import_id)
