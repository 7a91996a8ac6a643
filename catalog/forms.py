from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files import File

from core.limits import MAX_STOCK, PHOTO_ACCEPT, PHOTOS_REQUIRED, upload_help_text
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

from .exceptions import InvalidImage
from .images import image_open_validated
from .models import Category, ProductImage


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one input (Django's documented pattern). Each file is validated by
    ``catalog.images.image_open_validated`` in the service, not here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class SellerApplyForm(forms.Form):
    store_name = forms.CharField(max_length=100, help_text="Shown to shoppers next to your products.")


class SellerProductForm(forms.Form):
    name = forms.CharField(max_length=200)
    sku = forms.CharField(label="SKU", max_length=64, help_text="Your stock-keeping unit; unique in the shop.")
    category = forms.ModelChoiceField(queryset=Category.objects.order_by("position", "name"))
    price = forms.DecimalField(
        min_value=Decimal("0.00"), max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES
    )
    stock = forms.IntegerField(min_value=0, max_value=MAX_STOCK)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    images = MultipleImageField(
        required=False,
        label="Photos",
        help_text=upload_help_text("Drop photos here or choose them: {formats}, up to {limits} each."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["sku"].disabled = True  # the SKU is the product's key (bulk import matches on it)
            self.fields["images"].label = "Add photos"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if not self.fields["sku"].disabled and not data.get("images"):
            self.add_error("images", PHOTOS_REQUIRED)
        return data


class BulkImportForm(forms.Form):
    csv_file = forms.FileField(
        label="Products (CSV)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text="Columns: name, sku, category, price, stock, images (file names separated by ;), description.",
    )
    zip_file = forms.FileField(
        label="Photos (ZIP)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        help_text=upload_help_text("The photos named in the images column. {formats}, up to {max_bytes} each."),
    )


class ProductImageAdminForm(forms.ModelForm):
    """A product photo in the admin (the inline on a product, and the photo's own page).

    A newly chosen file is checked with the upload pipeline's own validation
    (``catalog.images.image_open_validated``), so a bad upload is an error on the field, with the
    pipeline's message, before anything is stored. Storing it is the admin's ``save_*`` hooks'
    job, through ``product_image_create`` / ``product_image_replace``. The fields the pipeline
    sets (SHA-256, size, embedding status) are not on this form.
    """

    image = forms.FileField(
        label="Photo",
        widget=forms.ClearableFileInput(attrs={"accept": PHOTO_ACCEPT}),
        help_text=upload_help_text("{formats}, up to {limits}; stored re-encoded, without metadata."),
    )

    class Meta:
        model = ProductImage
        fields = ["product", "image", "position"]

    def clean_image(self) -> File:
        upload = self.cleaned_data["image"]
        if "image" in self.changed_data:  # a new file, not the stored one kept
            try:
                image_open_validated(upload, name=upload.name)
            except InvalidImage as exc:
                raise ValidationError(str(exc), code="invalid_image") from None
            finally:
                upload.seek(0)
        return upload
