"""The staff admin site (``config.admin``): branded "Vitrine", one "Accounts" section, an index
with what needs staff (exact counts, linked to the filtered changelists) and the search index's
health, and product thumbnails."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.tests.factories import SellerFactory
from catalog.models import ProductImage
from catalog.tests.factories import ProductFactory, ProductImageFactory
from orders.models import Order
from recommender import embedder
from recommender.models import CategoryClassifier

from .factories import OrderFactory

pytestmark = pytest.mark.django_db


def _figure(page: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', page)
    assert match, testid
    return match.group(1)


def test_admin_is_branded_with_one_accounts_section(staff_client):
    page = staff_client.get(reverse("admin:index")).content.decode()
    assert "<title>Shop administration | Vitrine admin</title>" in page
    assert '<a href="/admin/">Vitrine</a>' in page and "Django administration" not in page
    sections = re.findall(r'<caption>\s*<a href="/admin/[a-z_]+/" class="section"[^>]*>([^<]+)</a>', page)
    assert sections.count("Accounts") == 1 and "E-mail addresses" in sections


def test_index_shows_what_needs_staff_with_links(staff_client):
    SellerFactory.create_batch(2, pending=True)
    SellerFactory.create(approved=True)
    OrderFactory.create_batch(3, status=Order.Status.PAID)
    for order_status in (Order.Status.PENDING_PAYMENT, Order.Status.SHIPPED, Order.Status.DELIVERED):
        OrderFactory.create(status=order_status)
    statuses = ProductImage.EmbeddingStatus
    for status in [statuses.PENDING] * 4 + [statuses.FAILED] + [statuses.EMBEDDED] * 2:
        ProductImageFactory.create(embedding_status=status)
    page = staff_client.get(reverse("admin:index")).content.decode()
    assert _figure(page, "pending-sellers") == "2"
    assert _figure(page, "orders-to-ship") == "3"
    assert _figure(page, "embeddings-pending") == "4"
    assert _figure(page, "embeddings-failed") == "1"
    assert '<a href="/admin/accounts/seller/?status__exact=applied">' in page
    assert '<a href="/admin/orders/order/?status__exact=paid">' in page
    assert '<a href="/admin/catalog/productimage/?embedding_status__exact=pending">' in page
    assert '<a href="/admin/catalog/productimage/?embedding_status__exact=failed">' in page
    assert _figure(page, "classifier-missing") == "none yet"  # no classifier yet: the index still works
    assert staff_client.get("/admin/accounts/seller/?status__exact=applied").context["cl"].result_count == 2


def test_index_shows_the_classifiers_accuracy_calibration_and_date(staff_client):
    classifier = CategoryClassifier.objects.create(
        model_version=embedder.model_version(),
        category_ids=[1, 2],
        weights=b"",
        bias=b"",
        train_size=100,
        test_size=20,
        held_out_accuracy=0.8734,
        metrics={"held_out_views_accuracy": 0.6512, "ece": 0.0312, "ece_before": 0.1804},
    )
    trained = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
    CategoryClassifier.objects.filter(pk=classifier.pk).update(created_at=trained)
    page = staff_client.get(reverse("admin:index")).content.decode()
    assert _figure(page, "classifier-accuracy") == "87.3%"
    assert _figure(page, "classifier-ece") == "0.031"
    assert "customer-style photos 65.1%" in page and "0.180 before calibration" in page
    assert _figure(page, "classifier-trained") == "30 Nov 2026 14:05"
    assert f'href="/admin/recommender/categoryclassifier/{classifier.pk}/change/"' in page


def test_index_counts_take_one_query_each(staff_client, django_assert_max_num_queries):
    staff_client.get(reverse("admin:index"))  # warm the session and content types
    from config.admin import admin_dashboard

    with django_assert_max_num_queries(4):
        admin_dashboard()


def test_product_list_has_thumbnails(staff_client):
    image = ProductImageFactory.create(product=ProductFactory.create(name="Tote"))
    ProductFactory.create(name="No photo")
    page = staff_client.get(reverse("admin:catalog_product_changelist")).content.decode()
    assert f'<img src="{image.thumb.url}" width="40" height="40"' in page
    assert page.count('width="40" height="40"') == 1
