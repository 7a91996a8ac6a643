from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from .models import Category, Product, ProductImage


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
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
    list_display = ["name", "sku", "category", "seller", "price", "stock", "is_active", "created_at"]
    list_filter = ["category", "is_active", "seller"]
    search_fields = ["name", "sku", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["category", "seller"]
    raw_id_fields = ["seller"]
    inlines = [ProductImageInline]
    date_hierarchy = "created_at"


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    list_display = [
        "thumbnail",
        "product",
        "position",
        "width",
        "height",
        "embedding_status",
        "short_error",
        "possible_duplicate",
        "created_at",
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

    @admin.display(description="Photo")
    def thumbnail(self, obj: ProductImage) -> str:
        return format_html('<img src="{}" width="48" height="48" style="object-fit:contain">', obj.thumb.url)

    @admin.display(description="Possible duplicate of", ordering="-duplicate_similarity")
    def possible_duplicate(self, obj: ProductImage) -> str:
        if obj.duplicate_of_id is None:
            return "—"
        change = reverse("admin:catalog_product_change", args=[obj.duplicate_of_id])
        return format_html(
            '<a href="{}">{}</a> ({}% similar)', change, obj.duplicate_of, round(100 * (obj.duplicate_similarity or 0))
        )

    @admin.display(description="Error")
    def short_error(self, obj: ProductImage) -> str:
        return obj.embedding_error[:80]

    @admin.action(description="Re-embed the selected images (drop their vectors, embed again)")
    def reembed(self, request, queryset):  # type: ignore[no-untyped-def]
        from recommender.services import product_image_reembed

        count = product_image_reembed(image_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} image(s) queued to be embedded again.", messages.SUCCESS)

    @admin.action(description="Retry failed images (and any not embedded yet)")
    def retry_embedding(self, request, queryset):  # type: ignore[no-untyped-def]
        from recommender.services import product_image_embedding_retry

        count = product_image_embedding_retry(image_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} image(s) queued for embedding.", messages.SUCCESS)
