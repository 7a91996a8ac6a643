"""The staff admin site: branded "Vitrine", with an index that shows at a glance what needs
staff (``templates/admin/index.html``): seller applications to decide, paid orders to ship and
the health of the photo search index, each figure from one selector and linked to the admin
page that deals with it. Installed as Django admin's default site by ``config.apps``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse

from accounts.models import Seller
from accounts.selectors import seller_application_pending_count
from catalog.models import ProductImage
from catalog.selectors import product_image_embedding_counts
from orders.models import Order
from orders.selectors import order_to_ship_count
from recommender.models import CategoryClassifier
from recommender.selectors import category_classifier_active


def _changelist(model: str, **filters: str) -> str:
    url = reverse(f"admin:{model}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def _percent(value: object) -> str:
    return f"{value:.1%}" if isinstance(value, int | float) else ""


def _classifier_figures(classifier: CategoryClassifier) -> dict[str, Any]:
    metrics = classifier.metrics or {}
    ece, ece_before = metrics.get("ece"), metrics.get("ece_before")
    return {
        "accuracy": _percent(classifier.held_out_accuracy),
        "views_accuracy": _percent(metrics.get("held_out_views_accuracy")),
        "ece": f"{ece:.3f}" if isinstance(ece, int | float) else "",
        "ece_before": f"{ece_before:.3f}" if isinstance(ece_before, int | float) else "",
        "trained_at": classifier.created_at,
    }


def admin_dashboard() -> dict[str, Any]:
    """The admin index's figures: ``pending_sellers``, ``orders_to_ship``, ``embeddings_pending``
    and ``embeddings_failed`` (counts, each with its ``*_url``: the filtered changelist), and
    ``classifier``: the active category classifier's held-out figures as text (``accuracy``
    "87.0%", ``views_accuracy``, ``ece`` "0.031", ``ece_before``; "" when not measured) and
    ``trained_at`` (when it was trained and evaluated), or None when there is none yet; with
    ``classifier_url``. Four queries."""
    embeddings = product_image_embedding_counts()
    classifier = category_classifier_active()
    return {
        "pending_sellers": seller_application_pending_count(),
        "pending_sellers_url": _changelist("accounts_seller", status__exact=Seller.Status.APPLIED),
        "orders_to_ship": order_to_ship_count(),
        "orders_to_ship_url": _changelist("orders_order", status__exact=Order.Status.PAID),
        "embeddings_pending": embeddings["pending"],
        "embeddings_pending_url": _changelist(
            "catalog_productimage", embedding_status__exact=ProductImage.EmbeddingStatus.PENDING
        ),
        "embeddings_failed": embeddings["failed"],
        "embeddings_failed_url": _changelist(
            "catalog_productimage", embedding_status__exact=ProductImage.EmbeddingStatus.FAILED
        ),
        "classifier": _classifier_figures(classifier) if classifier is not None else None,
        "classifier_url": (
            reverse("admin:recommender_categoryclassifier_change", args=[classifier.pk])
            if classifier is not None
            else _changelist("recommender_categoryclassifier")
        ),
    }


class VitrineAdminSite(admin.AdminSite):
    site_header = "Vitrine"
    site_title = "Vitrine admin"
    index_title = "Shop administration"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        return super().index(request, {"dashboard": admin_dashboard(), **(extra_context or {})})
