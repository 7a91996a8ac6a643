"""The shop's URLs plus media files, for browser tests (the live test server serves static
files but not uploads, and tests run with DEBUG off)."""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from config.urls import urlpatterns as shop_urlpatterns


def media(request, path):  # type: ignore[no-untyped-def]
    return serve(request, path, document_root=settings.MEDIA_ROOT)  # read per request: tests change it


urlpatterns = [re_path(r"^media/(?P<path>.*)$", media), *shop_urlpatterns]
