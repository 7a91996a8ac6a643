from django.urls import path

from . import views

app_name = "shop"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.category_detail, name="category_detail"),
    path("p/<slug:slug>/", views.product_detail, name="product_detail"),
    path("search/photo/", views.image_search_view, name="image_search"),
]
