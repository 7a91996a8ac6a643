from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from accounts.api.views import AuthTokenView
from catalog.api.seller_views import (
    SellerProductDetailView,
    SellerProductImageDetailView,
    SellerProductImageListView,
    SellerProductListView,
    SellerProductStatusView,
)
from catalog.api.views import CategoryListView, ProductViewSet
from orders.api.views import OrderDetailView, OrderListView
from recommender.api.views import ImageSearchQueryView, ImageSearchView, ProductSimilarView
from shop.api.views import (
    CartLineDetailView,
    CartLineListView,
    CartView,
    CheckoutView,
    ShippingMethodListView,
)

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")

api_urlpatterns: list[URLPattern | URLResolver] = [
    path("categories/", CategoryListView.as_view(), name="category-list"),
    path("products/<int:pk>/similar/", ProductSimilarView.as_view(), name="product-similar"),
    path("search/image/", ImageSearchView.as_view(), name="image-search"),
    path("search/image/<str:query_id>/", ImageSearchQueryView.as_view(), name="image-search-query"),
    path("cart/", CartView.as_view(), name="cart"),
    path("cart/lines/", CartLineListView.as_view(), name="cart-line-list"),
    # At most 18 digits: any longer id could not be a database id (it would overflow the query).
    re_path(r"^cart/lines/(?P<product_id>[0-9]{1,18})/$", CartLineDetailView.as_view(), name="cart-line-detail"),
    path("shipping-methods/", ShippingMethodListView.as_view(), name="shipping-method-list"),
    path("checkout/", CheckoutView.as_view(), name="checkout"),
    path("orders/", OrderListView.as_view(), name="order-list"),
    path("orders/<str:number>/", OrderDetailView.as_view(), name="order-detail"),
    path("auth/token/", AuthTokenView.as_view(), name="auth-token"),
    path("seller/products/", SellerProductListView.as_view(), name="seller-product-list"),
    re_path(
        r"^seller/products/(?P<product_id>[0-9]{1,18})/$",
        SellerProductDetailView.as_view(),
        name="seller-product-detail",
    ),
    re_path(
        r"^seller/products/(?P<product_id>[0-9]{1,18})/images/$",
        SellerProductImageListView.as_view(),
        name="seller-product-image-list",
    ),
    re_path(
        r"^seller/products/(?P<product_id>[0-9]{1,18})/images/(?P<image_id>[0-9]{1,18})/$",
        SellerProductImageDetailView.as_view(),
        name="seller-product-image-detail",
    ),
    re_path(
        r"^seller/products/(?P<product_id>[0-9]{1,18})/status/$",
        SellerProductStatusView.as_view(),
        name="seller-product-status",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include(router.urls)),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/", include((api_urlpatterns, "api"))),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("orders/", include("orders.urls")),
    path("sell/", include("catalog.urls")),
    # django-payments' provider callbacks (process_payment, static_process_payment).
    path("payments/", include("payments.urls")),
    path("", include("shop.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
