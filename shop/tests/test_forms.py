"""The cart forms and the find-by-photo form state the limits from their one definition."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from core.limits import CART_QUANTITY_INPUT_MAX, PHOTO_ACCEPT
from shop.forms import CartAddForm, CartUpdateForm, ImageSearchForm

pytestmark = pytest.mark.django_db


def test_the_cart_forms_show_the_cart_cap_as_their_max(settings: Settings) -> None:
    settings.CART_MAX_LINE_QUANTITY = 7
    for form in (CartAddForm(), CartUpdateForm()):
        assert 'max="7"' in str(form["quantity"])
        assert form.fields["quantity"].help_text == "At most 7 of one product per order."
    settings.CART_MAX_LINE_QUANTITY = 20
    assert 'max="20"' in str(CartAddForm()["quantity"])


def test_a_quantity_above_the_cap_reaches_the_service(settings: Settings) -> None:
    """The service refuses it with the cap in its message; the form only refuses non-quantities."""
    settings.CART_MAX_LINE_QUANTITY = 20
    assert CartAddForm({"product_id": 1, "quantity": 500}).is_valid()
    assert CartAddForm({"product_id": 1, "quantity": CART_QUANTITY_INPUT_MAX}).is_valid()
    assert not CartAddForm({"product_id": 1, "quantity": CART_QUANTITY_INPUT_MAX + 1}).is_valid()
    assert CartAddForm.invalid_quantity_message == "Choose a quantity between 1 and 1000."
    assert CartUpdateForm.invalid_quantity_message == "Choose a quantity between 0 and 1000."


def test_the_photo_help_text_follows_the_upload_settings(settings: Settings) -> None:
    form = ImageSearchForm()
    assert (
        str(form.fields["image"].help_text)
        == "JPEG, PNG or WebP, up to 10 MB and 40 megapixels (16 for a PNG or WebP)."
    )
    assert form.fields["image"].widget.attrs["accept"] == PHOTO_ACCEPT == "image/jpeg,image/png,image/webp"
    settings.IMAGE_UPLOAD_MAX_BYTES = 4 * 1024 * 1024
    settings.IMAGE_UPLOAD_MAX_PIXELS = 24_000_000
    assert str(ImageSearchForm().fields["image"].help_text) == (
        "JPEG, PNG or WebP, up to 4 MB and 24 megapixels (16 for a PNG or WebP)."
    )
    settings.PHOTO_SEARCH_MAX_PIXELS = 30_000_000  # above the upload limit: one figure
    assert str(ImageSearchForm().fields["image"].help_text) == "JPEG, PNG or WebP, up to 4 MB and 24 megapixels."


def test_the_find_by_photo_page_hands_the_upload_limit_to_its_script(client: Client, settings: Settings) -> None:
    html = client.get("/search/photo/").content.decode()
    assert 'data-upload-max-bytes="10485760"' in html and 'data-upload-max-bytes-text="10 MB"' in html
    assert html.count('accept="image/jpeg,image/png,image/webp"') == 2
    settings.IMAGE_UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    html = client.get("/search/photo/").content.decode()
    assert 'data-upload-max-bytes="3145728"' in html and 'data-upload-max-bytes-text="3 MB"' in html
    assert "JPEG, PNG or WebP, up to 3 MB and 40 megapixels (16 for a PNG or WebP)." in html
