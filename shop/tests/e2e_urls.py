"""The shop's URLs plus media files, for browser tests (the live test server serves static
files but not uploads, and tests run with DEBUG off)."""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import re_path
from django.views.static import serve

from config.urls import urlpatterns as shop_urlpatterns


def media(request: HttpRequest, path: str) -> HttpResponse | FileResponse:
    return serve(request, path, document_root=str(settings.MEDIA_ROOT))  # read per request: tests change it


urlpatterns = [re_path(r"^media/(?P<path>.*)$", media), *shop_urlpatterns]
