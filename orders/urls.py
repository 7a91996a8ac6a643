from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("<str:number>/", views.order_detail, name="order_detail"),
    path("<str:number>/pay/", views.order_pay, name="order_pay"),
    path("<str:number>/new-link/", views.order_link_resend, name="order_link_resend"),
    path("payments/test/<uuid:token>/confirm/", views.test_payment_confirm, name="test_payment_confirm"),
]
