"""Cross-cutting fixtures: temporary media, eager Celery, the VGG16 weights, and a real Fashion-MNIST
catalog (its 160 photos embedded once per session, the catalog rows rebuilt per test).

Markers (see pytest.ini): ``slow`` runs the real embedder; ``postgres`` tests are skipped
unless the database is PostgreSQL; ``celery_worker`` tests are skipped unless
``CELERY_BROKER_URL`` is set (they also need PostgreSQL: a worker process cannot see an
in-memory SQLite test database).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from catalog.tests.sample import FashionMnistSample, label_slug, load_sample

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from pytest_django import Settings

#: Debian's chromium, driven by Playwright in the ``browser`` tests.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Each app's fixtures, registered once here (pytest reads ``pytest_plugins`` only in the root
# conftest). This file keeps the cross-cutting ones: media, eager Celery, the VGG16 weights
# and the Fashion-MNIST sample.
pytest_plugins = [
    "core.tests.fixtures",
    "accounts.tests.fixtures",
    "catalog.tests.fixtures",
    "shop.tests.fixtures",
    "orders.tests.fixtures",
    "recommender.tests.fixtures",
]


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.db import connection

    is_postgres = connection.vendor == "postgresql"
    has_broker = bool(os.environ.get("CELERY_BROKER_URL"))
    has_browser = Path(CHROMIUM).exists() or _env_flag("VITRINE_REQUIRE_BROWSER")
    for item in items:
        if "vgg16_weights" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)  # so `-m "not slow"` never runs the embedder
        if item.get_closest_marker("postgres") and not is_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL with pgvector (DATABASE_URL=postgres://...)"))
        if item.get_closest_marker("browser") and not has_browser:
            item.add_marker(pytest.mark.skip(reason="needs Debian's chromium at /usr/bin/chromium"))
        if item.get_closest_marker("celery_worker") and not has_broker:
            item.add_marker(pytest.mark.skip(reason="needs a Celery broker (CELERY_BROKER_URL=redis://...)"))


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> Path:
    """Every test writes uploads under its own temporary MEDIA_ROOT and PRIVATE_MEDIA_ROOT (and
    starts with an empty cache: django-imagekit remembers there which thumbnails exist)."""
    from django.core.cache import cache

    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def media_files(settings: Settings) -> Callable[[], list[str]]:
    """A function listing the files under MEDIA_ROOT (relative paths, sorted)."""

    def files() -> list[str]:
        root = Path(settings.MEDIA_ROOT)
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []

    return files


@pytest.fixture(autouse=True)
def celery_eager(request: pytest.FixtureRequest, settings: Settings) -> Iterator[None]:
    """Run tasks in-process, whatever CELERY_BROKER_URL says, except in ``celery_worker`` tests.

    Both switches are needed: services read Django's ``CELERY_TASK_ALWAYS_EAGER``, while
    ``.delay()`` reads the Celery app's own configuration (loaded once from settings).
    """
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    from config.celery_app import app

    saved = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(scope="session")
def vgg16_weights() -> str:
    """The VGG16 weights setting, checked: skips when the file is missing, unless
    ``VITRINE_REQUIRE_WEIGHTS`` is set (CI), where a missing file fails the tests instead."""
    from django.conf import settings

    weights = str(settings.VGG16_WEIGHTS)
    if weights != "imagenet" and not Path(weights).is_file():
        message = f"VGG16 weights file {weights} is missing (build it with `python manage.py vgg16_weights`)"
        if _env_flag("VITRINE_REQUIRE_WEIGHTS"):
            pytest.fail(f"{message}; VITRINE_REQUIRE_WEIGHTS is set.")
        pytest.skip(message)
    return weights


@pytest.fixture(scope="session")
def fashion_mnist_sample() -> FashionMnistSample:
    """120 real train photos (12 per class) and 40 test photos (4 per class)."""
    return load_sample()


@dataclass(frozen=True)
class SampleEmbeddings:
    model_version: str
    train: np.ndarray  # float32 (120, 512), L2-normalised, one row per sample train row
    test: np.ndarray  # float32 (40, 512)


@pytest.fixture(scope="session")
def sample_embeddings(vgg16_weights: str, fashion_mnist_sample: FashionMnistSample) -> SampleEmbeddings:
    """The real embedder run once per session over all 160 sample photos, exactly as stored
    (decoded from the PNG the shop keeps), so catalogs built later reuse the vectors."""
    from django.conf import settings

    from recommender import embedder

    photos = [fashion_mnist_sample.photo("train", row) for row in range(len(fashion_mnist_sample.train_labels))]
    photos += [fashion_mnist_sample.photo("test", row) for row in range(len(fashion_mnist_sample.test_labels))]
    vectors, _ = embedder.embed_photos(photos, batch_size=settings.EMBEDDING_BATCH_SIZE)
    n_train = len(fashion_mnist_sample.train_labels)
    return SampleEmbeddings(model_version=embedder.model_version(), train=vectors[:n_train], test=vectors[n_train:])


@dataclass
class SampleCatalog:
    categories: dict  # slug -> Category, the 10 Fashion-MNIST classes
    products: list  # Product per sample train row
    images: list  # ProductImage per sample train row

    def rows_in(self, slug: str) -> list[int]:
        return [row for row, product in enumerate(self.products) if product.category.slug == slug]


def build_sample_catalog(sample: FashionMnistSample, embeddings: SampleEmbeddings | None = None) -> SampleCatalog:
    """The 120 sample train photos as products, named, priced and stocked as
    ``manage.py import_fashion_mnist`` does (SKU ``FM-<train index>``), each in one size. Written in bulk (the
    services are tested on their own; this runs for many tests). With ``embeddings``, each
    image gets its precomputed real vector and is marked embedded."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from catalog import fashion_mnist as fm
    from catalog.models import Product, ProductImage, ProductVariant
    from catalog.services import category_get_or_create
    from catalog.tests.sample import PHOTO_SIZE, sha256
    from recommender.models import ImageEmbedding

    categories = {
        slug: category_get_or_create(name=name, slug=slug, position=position)
        for position, (name, slug, _) in enumerate(fm.CATEGORIES)
    }
    products, images = [], []
    for index, label in zip(sample.train_indices, sample.train_labels, strict=True):
        index, label = int(index), int(label)
        sku = f"FM-{index:06d}"
        name = f"{fm.CATEGORIES[label][0]} {sku}"
        products.append(
            Product(
                category=categories[label_slug(label)],
                name=name,
                slug=f"{label_slug(label)}-{sku.lower()}",
                sku=sku,
                price=fm.demo_price(label, index),
                stock=fm.demo_stock(index),
            )
        )
    Product.objects.bulk_create(products)
    # One size each (the categories here are one size), carrying the product's stock.
    ProductVariant.objects.bulk_create(ProductVariant(product=p, size="", sku=p.sku, stock=p.stock) for p in products)
    status = ProductImage.EmbeddingStatus.EMBEDDED if embeddings is not None else ProductImage.EmbeddingStatus.PENDING
    for row, product in enumerate(products):
        data = sample.png("train", row)
        path = default_storage.save(f"products/sample/{product.sku.lower()}.png", ContentFile(data))
        images.append(
            ProductImage(
                product=product,
                image=path,
                sha256=sha256(data),
                width=PHOTO_SIZE,
                height=PHOTO_SIZE,
                embedding_status=status,
            )
        )
    ProductImage.objects.bulk_create(images)
    if embeddings is not None:
        ImageEmbedding.objects.bulk_create(
            ImageEmbedding(
                product_image=image, product=image.product, model_version=embeddings.model_version, vector=vector
            )
            for image, vector in zip(images, embeddings.train, strict=True)
        )
    return SampleCatalog(categories=categories, products=products, images=images)


@pytest.fixture
def sample_catalog(
    db: None, fashion_mnist_sample: FashionMnistSample, sample_embeddings: SampleEmbeddings
) -> SampleCatalog:
    """120 real products in 10 categories, every image embedded with the real embedder."""
    return build_sample_catalog(fashion_mnist_sample, sample_embeddings)


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Headless Debian chromium (Playwright's sync API), closed after the test."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM reads are fine.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # The test's ORM reads ran in Playwright's greenlet, whose context holds its own database
        # connection: close it, or PostgreSQL refuses to drop the test database.
        connections.close_all()
