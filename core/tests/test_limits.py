"""The limits and their texts follow the settings they come from, read when asked for."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings

from core.limits import (
    cart_line_quantity_max,
    upload_formats_text,
    upload_help_text,
    upload_limits_text,
    upload_max_bytes,
    upload_max_bytes_text,
    upload_max_pixels,
    upload_max_pixels_text,
)


def test_the_upload_limits_are_the_settings_written_for_people() -> None:
    assert (upload_max_bytes(), upload_max_pixels()) == (10 * 1024 * 1024, 40_000_000)
    assert upload_max_bytes_text() == "10 MB"
    assert upload_max_pixels_text() == "40 megapixels"
    assert upload_limits_text() == "10 MB and 40 megapixels"
    assert upload_formats_text() == "JPEG, PNG or WebP"


def test_the_upload_texts_follow_changed_settings(settings: Settings) -> None:
    settings.IMAGE_UPLOAD_MAX_BYTES = 5 * 1024 * 1024 // 2  # 2.5 MiB
    settings.IMAGE_UPLOAD_MAX_PIXELS = 12_000_000
    settings.IMAGE_UPLOAD_FORMATS = ("PNG", "WEBP")
    assert upload_limits_text() == "2.5 MB and 12 megapixels"
    assert upload_formats_text() == "PNG or WebP"
    settings.IMAGE_UPLOAD_FORMATS = ("JPEG",)
    assert upload_formats_text() == "JPEG"


def test_an_upload_help_text_is_written_when_shown(settings: Settings) -> None:
    text = upload_help_text("{formats}, up to {limits}; files up to {max_bytes}.")
    assert str(text) == "JPEG, PNG or WebP, up to 10 MB and 40 megapixels; files up to 10 MB."
    settings.IMAGE_UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    assert str(text) == "JPEG, PNG or WebP, up to 3 MB and 40 megapixels; files up to 3 MB."


@pytest.mark.parametrize("cap", [1, 20, 500])
def test_the_cart_line_cap_is_the_setting(settings: Settings, cap: int) -> None:
    settings.CART_MAX_LINE_QUANTITY = cap
    assert cart_line_quantity_max() == cap
