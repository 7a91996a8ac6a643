"""config/nginx.conf lets through what the app accepts (security review M5): a bulk import's
500 MB ZIP reaches Django's own size check instead of nginx's bare 413, and only there."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from sellers.bulk_import import MAX_CSV_BYTES, MAX_ZIP_BYTES

NGINX_CONF = Path(settings.BASE_DIR) / "config" / "nginx.conf"
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _bytes(size: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", size.lower()).groups()  # type: ignore[union-attr]
    return int(number) * UNITS[unit]


def _locations() -> dict[str, str]:
    """Each ``location`` block's body by its selector, e.g. ``{"= /sell/imports/new/": "..."}``."""
    text = re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())
    return {m.group(1).strip(): m.group(2) for m in re.finditer(r"location\s+([^{]+)\{([^}]*)\}", text)}


def _server_level() -> str:
    text = re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())
    return re.sub(r"location\s+[^{]+\{[^}]*\}", "", text)


def test_the_bulk_import_form_accepts_the_largest_import_the_app_allows():
    body = _locations()[f"= {reverse('sellers:bulk_import_create')}"]
    limit = _bytes(re.search(r"client_max_body_size\s+(\w+);", body).group(1))  # type: ignore[union-attr]
    assert limit >= MAX_CSV_BYTES + MAX_ZIP_BYTES + 1024**2  # the two files plus the form's fields
    assert "proxy_pass http://web:8000;" in body
    assert re.search(r"proxy_request_buffering\s+off;", body)


def test_everything_else_keeps_the_photo_upload_limit():
    limit = _bytes(re.search(r"client_max_body_size\s+(\w+);", _server_level()).group(1))  # type: ignore[union-attr]
    assert settings.IMAGE_UPLOAD_MAX_BYTES < limit <= settings.IMAGE_UPLOAD_MAX_BYTES + 4 * 1024**2
    larger = [selector for selector, body in _locations().items() if "client_max_body_size" in body]
    assert larger == ["= /sell/imports/new/"]


def test_import_uploads_are_never_served_under_media():
    assert re.fullmatch(r"\s*return 404;\s*", _locations()["/media/imports/"])
