"""The seller dashboard's forms. They parse input only: photos are validated, stored and
enqueued for embedding by the seller services (``sellers.services``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from catalog.models import Category
from catalog.services import VariantSpec
from catalog.sizes import sizes_text_parse
from core.limits import MAX_STOCK, PHOTO_ACCEPT, PHOTOS_REQUIRED, upload_help_text
from core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, currency_symbol

from .bulk_import import COLUMNS


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
    stock = forms.IntegerField(
        min_value=0, max_value=MAX_STOCK, required=False, help_text="For a product of one size (no sizes below)."
    )
    variants = forms.CharField(
        label="Sizes and stock",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": "e.g. S:3; M:5; L:0  or  EU 41:2; EU 42:4"}),
        help_text="Each size with its stock, separated by ;. The sizes of the category's run "
        "(XS–XXL, EU 36–46, W28–W38). Leave empty for one size.",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    images = MultipleImageField(
        required=False,
        label="Photos",
        help_text=upload_help_text("Drop photos here or choose them: {formats}, up to {limits} each."),
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["price"].label = f"Price ({currency_symbol()})"
        if editing:
            self.fields["sku"].disabled = True  # the SKU is the product's key (bulk import matches on it)
            self.fields["images"].label = "Add photos"

    def clean_variants(self) -> list[VariantSpec]:
        try:
            pairs = sizes_text_parse(self.cleaned_data["variants"], max_stock=MAX_STOCK)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return [VariantSpec(size=size, stock=stock) for size, stock in pairs]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean returns cleaned_data
        if not self.fields["sku"].disabled and not data.get("images"):
            self.add_error("images", PHOTOS_REQUIRED)
        if not data.get("variants") and data.get("stock") is None and "variants" not in self.errors:
            self.add_error("stock", "Give the stock, or each size with its stock.")
        return data


class BulkImportForm(forms.Form):
    csv_file = forms.FileField(
        label="Products (CSV)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text=f"Columns: {', '.join(COLUMNS)} (images: the photos' file names, separated by ;). "
        "For sizes, a sizes cell such as S:3;M:5;L:0 (each size with its stock) and stock left empty.",
    )
    zip_file = forms.FileField(
        label="Photos (ZIP)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        help_text=upload_help_text("The photos named in the images column. {formats}, up to {max_bytes} each."),
    )
