"""The seller's forms, the Seller API and bulk import state the upload and stock limits from
their one definition (``core.limits``): a changed setting changes every text that states it."""

from __future__ import annotations

import pytest
from django import forms
from django.test import Client
from pytest_django.fixtures import Settings
from rest_framework import serializers

from accounts.models import Seller
from catalog.forms import ProductImageAdminForm
from core.limits import MAX_STOCK, PHOTOS_REQUIRED
from sellers.api.serializers import (
    SellerProductCreateSerializer,
    SellerProductImagesSerializer,
    SellerProductUpdateSerializer,
)
from sellers.bulk_import import RowError, _stock
from sellers.forms import BulkImportForm, SellerProductForm

pytestmark = pytest.mark.django_db

DASHBOARD_HELP = "Drop photos here or choose them: JPEG, PNG or WebP, up to {} and {} each."
API_HELP = "One or several photos (repeat the field): JPEG, PNG or WebP, up to {} and {} each."


def _smaller_uploads(settings: Settings) -> None:
    settings.IMAGE_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    settings.IMAGE_UPLOAD_MAX_PIXELS = 16_000_000


def test_the_dashboard_form_help_text_follows_the_upload_settings(
    client: Client, alice: Seller, settings: Settings
) -> None:
    assert str(SellerProductForm().fields["images"].help_text) == DASHBOARD_HELP.format("10 MB", "40 megapixels")
    _smaller_uploads(settings)
    assert str(SellerProductForm().fields["images"].help_text) == DASHBOARD_HELP.format("2 MB", "16 megapixels")
    client.force_login(alice.user)
    html = client.get("/sell/products/new/").content.decode()
    assert DASHBOARD_HELP.format("2 MB", "16 megapixels") in html


def test_the_other_photo_help_texts_follow_the_upload_settings(settings: Settings) -> None:
    _smaller_uploads(settings)
    assert str(BulkImportForm().fields["zip_file"].help_text) == (
        "The photos named in the images column. JPEG, PNG or WebP, up to 2 MB each."
    )
    assert str(ProductImageAdminForm().fields["image"].help_text) == (
        "JPEG, PNG or WebP, up to 2 MB and 16 megapixels; stored re-encoded, without metadata."
    )


def test_the_seller_api_photo_help_text_follows_the_upload_settings(settings: Settings) -> None:
    for serializer in (SellerProductCreateSerializer(), SellerProductImagesSerializer()):
        assert str(serializer.fields["images"].help_text) == API_HELP.format("10 MB", "40 megapixels")
    _smaller_uploads(settings)
    assert str(SellerProductCreateSerializer().fields["images"].help_text) == API_HELP.format("2 MB", "16 megapixels")


def test_the_photos_required_message_is_one_text() -> None:
    assert PHOTOS_REQUIRED == "Add at least one photo: shoppers find new arrivals by photo."
    images = SellerProductCreateSerializer().fields["images"]
    assert images.error_messages["required"] == images.error_messages["empty"] == PHOTOS_REQUIRED
    form = SellerProductForm({"name": "x"})
    assert not form.is_valid() and form.errors["images"] == [PHOTOS_REQUIRED]


def test_the_stock_cap_is_one_number_everywhere() -> None:
    assert MAX_STOCK == 1_000_000
    form_field = SellerProductForm().fields["stock"]
    assert isinstance(form_field, forms.IntegerField) and form_field.max_value == MAX_STOCK
    for serializer in (SellerProductCreateSerializer(), SellerProductUpdateSerializer()):
        api_field = serializer.fields["stock"]
        assert isinstance(api_field, serializers.IntegerField) and api_field.max_value == MAX_STOCK
    assert _stock(str(MAX_STOCK)) == MAX_STOCK
    with pytest.raises(RowError, match=r"^The stock “1000001” must be a whole number from 0 to 1,000,000\.$"):
        _stock(str(MAX_STOCK + 1))
