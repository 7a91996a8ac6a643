from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from catalog.api.views import CategoryListView, ProductViewSet
from recommender.api.views import ImageSearchView, ProductSimilarView

router = DefaultRouter()
router.register("products", ProductViewSet, basename="product")

api_urlpatterns = [
    path("categories/", CategoryListView.as_view(), name="category-list"),
    path("products/<int:pk>/similar/", ProductSimilarView.as_view(), name="product-similar"),
    path("search/image/", ImageSearchView.as_view(), name="image-search"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include((api_urlpatterns, "api"))),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("orders/", include("orders.urls")),
    # django-payments' provider callbacks (process_payment, static_process_payment).
    path("payments/", include("payments.urls")),
    path("", include("shop.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
