from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .forms import ProductImageAdminForm
from .indexing import product_image_index
from .models import Category, Product, ProductImage
from .services import product_image_create, product_image_replace, product_images_delete, products_delete


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


def _photo_save(form: ModelForm[ProductImage], obj: ProductImage) -> ProductImage:
    """Save a photo from the admin, its file through the upload pipeline: a new photo with
    ``product_image_create``, a new file for a stored photo with ``product_image_replace``
    (after its other fields, e.g. the position, are saved). ``obj`` is the admin's instance,
    updated to the stored row: the admin goes on using it (history, messages, redirect)."""
    upload = form.cleaned_data["image"] if "image" in form.changed_data else None
    if obj.pk is None:
        stored = product_image_create(product=obj.product, file=upload, name=upload.name, position=obj.position)
    else:
        if upload is not None:
            obj.image = form.initial["image"].name  # the stored file stays until the pipeline replaces it
        obj.save()
        if upload is None:
            return obj
        stored = product_image_replace(product_image=obj, file=upload, name=upload.name)
    obj.pk = stored.pk
    obj.refresh_from_db()
    obj._state.adding = False
    return obj


class ProductImageInlineFormSet(BaseInlineFormSet):
    """The inline's photos are saved by ``_photo_save``; Django's bookkeeping (change
    messages, history) is kept. ``commit`` is always true in the admin."""

    def save_new(self, form: ModelForm[ProductImage], commit: bool = True) -> ProductImage:
        form.instance.product = self.instance
        return _photo_save(form, form.instance)

    def save_existing(self, form: ModelForm[ProductImage], obj: ProductImage, commit: bool = True) -> ProductImage:
        return _photo_save(form, obj)

    def delete_existing(self, obj: ProductImage, commit: bool = True) -> None:
        product_images_delete(images=[obj])  # the files too, after commit


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageAdminForm
    formset = ProductImageInlineFormSet
    fk_name = "product"
    extra = 0
    fields = ["thumbnail", "image", "position", "embedding_status", "embedding_error"]
    readonly_fields = ["thumbnail", "embedding_status", "embedding_error"]

    @admin.display(description="Photo")
    def thumbnail(self, obj: ProductImage) -> str:
        return (
            format_html('<img src="{}" width="64" height="64" style="object-fit:contain">', obj.thumb.url)
            if obj.pk
            else ""
        )


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "name", "sku", "category", "seller", "price", "stock", "is_active", "created_at"]
    list_display_links = ["thumbnail", "name"]
    list_filter = ["category", "is_active", "seller"]
    search_fields = ["name", "sku", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["category", "seller"]
    raw_id_fields = ["seller"]
    inlines = [ProductImageInline]
    date_hierarchy = "created_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return super().get_queryset(request).prefetch_related("images")  # the thumbnails: one query a page

    def delete_model(self, request: HttpRequest, obj: Product) -> None:
        products_delete(products=[obj])  # its photos' files too, after commit

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        products_delete(products=queryset)

    @admin.display(description="Photo")
    def thumbnail(self, obj: Product) -> str:
        image = obj.primary_image
        if image is None:
            return ""
        return format_html('<img src="{}" width="40" height="40" alt="" style="object-fit:contain">', image.thumb.url)


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "product_name",
        "size",
        "embedding",
        "short_error",
        "possible_duplicate",
        "added",
    ]
    list_filter = [
        "embedding_status",
        ("duplicate_of", admin.EmptyFieldListFilter),
        "product__seller",
        "product__category",
    ]
    search_fields = ["product__name", "product__sku", "sha256"]
    readonly_fields = [
        "thumbnail", "sha256", "width", "height", "embedding_status", "embedding_error", "possible_duplicate",
        "created_at",
    ]  # fmt: skip
    list_select_related = ["product", "duplicate_of"]
    raw_id_fields = ["product"]
    actions = ["retry_embedding", "reembed"]
    form = ProductImageAdminForm

    def get_readonly_fields(self, request: HttpRequest, obj: ProductImage | None = None) -> list[str] | tuple[str, ...]:
        # A stored photo stays with its product: its vectors are filed under that product.
        return [*self.readonly_fields, "product"] if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ProductImage, form: Any, change: bool) -> None:
        _photo_save(form, obj)

    def delete_model(self, request: HttpRequest, obj: ProductImage) -> None:
        product_images_delete(images=[obj])  # its files too, after commit

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProductImage]) -> None:
        product_images_delete(images=queryset)

    @admin.display(description="Photo")
    def thumbnail(self, obj: ProductImage) -> str:
        return format_html('<img src="{}" width="40" height="40" style="object-fit:contain">', obj.thumb.url)

    @admin.display(description="Product", ordering="product__name")
    def product_name(self, obj: ProductImage) -> str:
        return format_html(
            '<span style="display:inline-block;max-width:12rem;white-space:normal">{}</span>', obj.product
        )

    @admin.display(description="Added", ordering="created_at")
    def added(self, obj: ProductImage) -> str:
        return f"{timezone.localtime(obj.created_at):%-d %b %Y}"

    # Short column titles and cells, so the table fits 1366 px beside the admin's sidebar and filters.
    @admin.display(description="Embedding", ordering="embedding_status")
    def embedding(self, obj: ProductImage) -> str:
        return obj.get_embedding_status_display()

    @admin.display(description="Duplicate of?", ordering="-duplicate_similarity")
    def possible_duplicate(self, obj: ProductImage) -> str:
        if obj.duplicate_of_id is None:
            return "—"
        change = reverse("admin:catalog_product_change", args=[obj.duplicate_of_id])
        return format_html(
            '<a href="{}">{}</a> ({}% similar)', change, obj.duplicate_of, round(100 * (obj.duplicate_similarity or 0))
        )

    @admin.display(description="Pixels")
    def size(self, obj: ProductImage) -> str:
        return f"{obj.width}×{obj.height}"

    @admin.display(description="Error")
    def short_error(self, obj: ProductImage) -> str:
        # The whole error is the cell's tooltip and on the photo's page.
        if len(obj.embedding_error) <= 40:
            return obj.embedding_error
        return format_html('<span title="{}">{}…</span>', obj.embedding_error, obj.embedding_error[:40])

    @admin.action(description="Re-embed the selected images (drop their vectors, embed again)")
    def reembed(self, request: HttpRequest, queryset: QuerySet[ProductImage]) -> None:
        count = product_image_index().product_image_reembed(image_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} image(s) queued to be embedded again.", messages.SUCCESS)

    @admin.action(description="Retry failed images (and any not embedded yet)")
    def retry_embedding(self, request: HttpRequest, queryset: QuerySet[ProductImage]) -> None:
        image_ids = list(queryset.values_list("pk", flat=True))
        count = product_image_index().product_image_embedding_retry(image_ids=image_ids)
        self.message_user(request, f"{count} image(s) queued for embedding.", messages.SUCCESS)
