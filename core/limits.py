"""The shop's limits, each defined once, and the texts shown to people built from them.

Forms, serializers, help texts, the admin, templates and scripts (through ``data-*``
attributes) read these, so a limit changed in settings changes every place that states it.
The upload limits and the cart's per-line cap are settings (``IMAGE_UPLOAD_MAX_BYTES``,
``IMAGE_UPLOAD_MAX_PIXELS``, ``IMAGE_UPLOAD_FORMATS``, ``CART_MAX_LINE_QUANTITY``) and are read
when asked for, never at import time, so ``override_settings`` reaches them. The ``*_lazy``
values are for class-level help texts: they become text when rendered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.functional import lazy
from django.utils.text import format_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

MIB = 1024 * 1024

#: The most units of one product a seller can hold in stock (dashboard, Seller API, bulk import).
MAX_STOCK = 1_000_000

#: The file types a photo input offers (its ``accept`` attribute): the upload formats' MIME types.
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp"

#: The largest quantity the web cart's quantity inputs parse. It is not the cart's limit
#: (``cart_line_quantity_max()``, enforced by ``shop.services``): a quantity above that cap but
#: up to this one reaches the service, which refuses it with the cap in its message; anything
#: outside 1 (0 for an update) to this is refused by the form as not a quantity at all.
CART_QUANTITY_INPUT_MAX = 1000

#: Why a new product is refused without photos (dashboard form and Seller API).
PHOTOS_REQUIRED = "Add at least one photo: shoppers find new arrivals by photo."

_FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}


def upload_max_bytes() -> int:
    """The largest photo upload, in bytes (``IMAGE_UPLOAD_MAX_BYTES``)."""
    return int(settings.IMAGE_UPLOAD_MAX_BYTES)


def upload_max_pixels() -> int:
    """The most pixels (width × height) of an uploaded photo (``IMAGE_UPLOAD_MAX_PIXELS``)."""
    return int(settings.IMAGE_UPLOAD_MAX_PIXELS)


def upload_max_bytes_text() -> str:
    """The byte limit in MB (MiB, as the uploader's file manager shows it): "10 MB"."""
    return f"{upload_max_bytes() / MIB:g} MB"


def upload_max_pixels_text() -> str:
    """The pixel limit in megapixels: "40 megapixels"."""
    return f"{upload_max_pixels() / 1e6:.0f} megapixels"


def upload_limits_text() -> str:
    """Both upload limits: "10 MB and 40 megapixels"."""
    return f"{upload_max_bytes_text()} and {upload_max_pixels_text()}"


def photo_search_limits_text() -> str:
    """Find by photo's limits: "10 MB and 40 megapixels (16 for a PNG or WebP)". A JPEG is decoded
    at a reduced scale there, so only PNG and WebP meet ``PHOTO_SEARCH_MAX_PIXELS``."""
    search_pixels = min(int(settings.PHOTO_SEARCH_MAX_PIXELS), upload_max_pixels())
    if search_pixels >= upload_max_pixels():
        return upload_limits_text()
    return f"{upload_limits_text()} ({search_pixels / 1e6:g} for a PNG or WebP)"


def upload_formats_text() -> str:
    """The accepted formats as people name them: "JPEG, PNG or WebP"."""
    names = [_FORMAT_NAMES.get(name, name) for name in settings.IMAGE_UPLOAD_FORMATS]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def cart_line_quantity_max() -> int:
    """The most units of one product in a cart line, hence in an order (``CART_MAX_LINE_QUANTITY``)."""
    return int(settings.CART_MAX_LINE_QUANTITY)


upload_limits_text_lazy = lazy(upload_limits_text, str)()
upload_max_bytes_text_lazy = lazy(upload_max_bytes_text, str)()
upload_formats_text_lazy = lazy(upload_formats_text, str)()
photo_search_limits_text_lazy = lazy(photo_search_limits_text, str)()


def upload_help_text(template: str) -> StrPromise:
    """A help text about photo uploads, evaluated when shown: ``template`` names ``{formats}``,
    ``{limits}`` ("10 MB and 40 megapixels"), ``{search_limits}`` (find by photo's, see
    ``photo_search_limits_text``) and ``{max_bytes}`` ("10 MB")."""
    return format_lazy(
        template,
        formats=upload_formats_text_lazy,
        limits=upload_limits_text_lazy,
        search_limits=photo_search_limits_text_lazy,
        max_bytes=upload_max_bytes_text_lazy,
    )
