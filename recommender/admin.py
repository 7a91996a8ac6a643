from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from .models import CategoryClassifier, ImageEmbedding


@admin.register(ImageEmbedding)
class ImageEmbeddingAdmin(admin.ModelAdmin):
    list_display = ["product_image", "product", "model_version", "created_at"]
    list_filter = ["model_version"]
    search_fields = ["product__name", "product__sku"]
    raw_id_fields = ["product_image", "product"]
    readonly_fields = ["product_image", "product", "model_version", "created_at"]
    exclude = ["vector"]

    def has_add_permission(self, request: HttpRequest) -> bool:
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        retrain = self.admin_site.admin_view(require_POST(self.retrain_view))
        return [path("retrain/", retrain, name="recommender_categoryclassifier_retrain"), *super().get_urls()]

    def retrain_view(self, request: HttpRequest) -> HttpResponse:
        """Retrain on the current catalog in a worker; with eager Celery (no broker) the new
        held-out accuracy is shown at once."""
        from .exceptions import RecommenderError
        from .tasks import category_classifier_train_task

        if not self.has_change_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        try:
            result = category_classifier_train_task.delay()
        except RecommenderError as exc:
            messages.error(request, f"Not retrained: {exc}")
        else:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                trained = result.get()
                messages.success(
                    request,
                    f"Retrained: classifier {trained['id']}, held-out accuracy {trained['held_out_accuracy']:.1%}.",
                )
            else:
                messages.info(request, "Retraining in a worker; refresh this page in a minute for the new accuracy.")
        return HttpResponseRedirect(reverse("admin:recommender_categoryclassifier_changelist"))
