from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.files import File

from core.limits import PHOTO_ACCEPT, upload_help_text

from .exceptions import InvalidImage
from .images import image_open_validated
from .models import ProductImage


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
