from __future__ import annotations

from django.contrib import admin

from .models import CategoryClassifier, ImageEmbedding


@admin.register(ImageEmbedding)
class ImageEmbeddingAdmin(admin.ModelAdmin):
    list_display = ["product_image", "product", "model_version", "created_at"]
    list_filter = ["model_version"]
    search_fields = ["product__name", "product__sku"]
    raw_id_fields = ["product_image", "product"]
    readonly_fields = ["product_image", "product", "model_version", "created_at"]
    exclude = ["vector"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(CategoryClassifier)
class CategoryClassifierAdmin(admin.ModelAdmin):
    list_display = ["id", "model_version", "accuracy_percent", "train_size", "test_size", "is_active", "created_at"]
    list_filter = ["model_version", "is_active"]
    readonly_fields = [
        "model_version",
        "category_ids",
        "n_features",
        "train_size",
        "test_size",
        "held_out_accuracy",
        "created_at",
    ]
    exclude = ["weights", "bias"]

    @admin.display(description="Held-out accuracy", ordering="held_out_accuracy")
    def accuracy_percent(self, obj: CategoryClassifier) -> str:
        return f"{obj.held_out_accuracy:.1%}"

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False
