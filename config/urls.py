from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

urlpatterns: list[URLPattern | URLResolver] = [
    # Staff log in through allauth's form like everybody else, so its failed-login limits apply
    # (Django's admin form has none); ?next=/admin/... is kept.
    path("admin/login/", RedirectView.as_view(pattern_name="account_login", query_string=True)),
    path("admin/", admin.site.urls),
    # Every API route, each app's api/urls.py, in the one "api" namespace.
    path("api/", include("config.api_router")),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    # /checkout/, /accounts/orders/ and /orders/…: the orders app's pages carry their full paths.
    path("", include("orders.urls")),
    path("sell/", include("sellers.urls")),
    # django-payments' provider callbacks (process_payment, static_process_payment).
    path("payments/", include("payments.urls")),
    # /search/: the results page (before shop.urls, whose /search/photo/ is find by photo).
    path("", include("search.urls")),
    path("", include("shop.urls")),
]

# The shop's own error pages (templates/404.html with the header; templates/500.html with no context).
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
