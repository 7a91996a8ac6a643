from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("apply/", views.seller_apply_view, name="seller_apply"),
    path("status/", views.dashboard_status, name="dashboard_status"),
    path("products/new/", views.product_create_view, name="product_create"),
    path("products/<int:product_id>/edit/", views.product_edit_view, name="product_edit"),
    path("products/<int:product_id>/archive/", views.product_archive_view, name="product_archive"),
]
