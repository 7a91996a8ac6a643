"""A category, two sellers and the embedding queue shared by the seller tests (pages, API, bulk
imports), registered once in the root conftest.py."""

from __future__ import annotations

import pytest

from accounts.models import Seller
from catalog.models import Category

from .factories import CategoryFactory, seller_create


@pytest.fixture
def category(db: None) -> Category:
    return CategoryFactory.create(name="Bag", slug="bag")


@pytest.fixture
def alice(db: None) -> Seller:
    """An approved seller, alice@example.com (password ``factories.SELLER_PASSWORD``)."""
    return seller_create("alice@example.com", "Alice's Bags")


@pytest.fixture
def bob(db: None) -> Seller:
    """An approved seller, bob@example.com (password ``factories.SELLER_PASSWORD``)."""
    return seller_create("bob@example.com", "Bob's Boots")


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Image ids enqueued for embedding, in order (the task itself is not run: no CNN needed)."""
    from recommender import tasks

    queued: list[int] = []
    monkeypatch.setattr(tasks.product_image_embed_task, "delay", lambda image_id: queued.append(image_id))
    return queued
