from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("<str:number>/", views.order_detail, name="order_detail"),
    path("<str:number>/pay/", views.order_pay, name="order_pay"),
    path("payments/test/<uuid:token>/confirm/", views.test_payment_confirm, name="test_payment_confirm"),
]
