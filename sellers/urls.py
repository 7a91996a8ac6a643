"""The seller dashboard, mounted at /sell/ (config/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "sellers"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("apply/", views.seller_apply_view, name="seller_apply"),
    path("status/", views.dashboard_status, name="dashboard_status"),
    path("products/new/", views.product_create_view, name="product_create"),
    path("products/<int:product_id>/edit/", views.product_edit_view, name="product_edit"),
    path("products/<int:product_id>/archive/", views.product_archive_view, name="product_archive"),
    path("products/<int:product_id>/reindex/", views.product_reindex_view, name="product_reindex"),
    path("imports/template.csv", views.bulk_import_template_view, name="bulk_import_template"),
    path("imports/new/", views.bulk_import_create_view, name="bulk_import_create"),
    path("imports/<int:import_id>/", views.bulk_import_detail_view, name="bulk_import_detail"),
    path("imports/<int:import_id>/status/", views.bulk_import_status_view, name="bulk_import_status"),
]
