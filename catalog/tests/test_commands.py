from __future__ import annotations

import gzip
from decimal import Decimal
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils.text import slugify
from PIL import Image

from catalog import fashion_mnist as fm
from catalog.models import Product, ProductImage

pytestmark = pytest.mark.django_db


def write_idx(path: Path, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as handle:
        handle.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


@pytest.fixture
def idx_dir(tmp_path, fashion_mnist_sample) -> Path:
    """The sample written back as the four idx files (train: the 120 sample rows)."""
    s = fashion_mnist_sample
    for (split, kind), name in fm.FILES.items():
        write_idx(tmp_path / name, getattr(s, f"{split}_{kind}"))
    return tmp_path


def test_load_split_reads_idx_files(idx_dir, fashion_mnist_sample):
    images, labels = fm.load_split(idx_dir, "test")

    assert images.shape == (40, 28, 28) and images.dtype == np.uint8
    assert np.array_equal(labels, fashion_mnist_sample.test_labels)


def test_import_fashion_mnist(idx_dir, fashion_mnist_sample):
    out = StringIO()

    call_command("import_fashion_mnist", per_category=2, data_dir=idx_dir, photo_size=64, stdout=out, stderr=StringIO())

    assert "Imported 20 products (0 already present)" in out.getvalue()
    assert Product.objects.count() == 20
    per_category: dict[str, int] = {}
    for slug in Product.objects.values_list("category__slug", flat=True):
        per_category[slug] = per_category.get(slug, 0) + 1
    assert per_category == {slug: 2 for _, slug, _ in fm.CATEGORIES}
    # Rows of the idx file here are sample rows: row 0 is Fashion-MNIST train image 0, an ankle boot.
    boot = Product.objects.get(sku="FM-000000")
    colour_name, colour = fm.product_colour(0)
    assert boot.name == f"{colour_name} ankle boots" == fm.product_name(9, colour_name)
    assert boot.slug == slugify(f"{boot.name}-FM-000000")
    assert f"Colour: {colour_name.lower()}." in boot.description
    assert boot.category.slug == "ankle-boot"
    assert boot.price == fm.demo_price(9, 0) == Decimal("74.99")
    assert boot.stock == fm.demo_stock(0) == 0
    assert boot.category.size_run == "footwear"
    assert list(boot.variants.values_list("size", "stock")) == [(f"EU {n}", 0) for n in range(36, 47)]
    # Sizes in the run's order, with per-size stock summing to the product's; some sizes sold out.
    for product in Product.objects.exclude(category__slug="bag").prefetch_related("variants"):
        label = [slug for _, slug, _ in fm.CATEGORIES].index(product.category.slug)
        rows = [(v.size, v.stock) for v in product.variants.all()]
        assert rows == fm.demo_sizes(label, int(product.sku[3:]))
        assert product.stock == sum(stock for _, stock in rows)
    bag = Product.objects.filter(category__slug="bag").first()
    assert bag is not None and list(bag.variants.values_list("size", flat=True)) == [""]
    image = ProductImage.objects.get(product=boot)
    assert (image.width, image.height, image.embedding_status) == (64, 64, "pending")
    assert image.image.name is not None
    assert image.image.name.endswith("fm-000000.png")
    # The stored photo is the Zalando photo dyed in the product's colour, on white.
    with image.image.open("rb") as handle:
        stored = np.asarray(Image.open(handle).convert("RGB"), dtype=np.float32)
    assert stored[0, 0].tolist() == [255.0, 255.0, 255.0]
    expected = np.asarray(fm.to_product_photo(fashion_mnist_sample.train_images[0], size=64, colour=colour))
    assert np.abs(stored - expected).max() <= 1


def test_import_fashion_mnist_is_safe_to_rerun(idx_dir):
    call_command(
        "import_fashion_mnist", per_category=1, data_dir=idx_dir, photo_size=32, stdout=StringIO(), stderr=StringIO()
    )
    out = StringIO()

    call_command("import_fashion_mnist", per_category=2, data_dir=idx_dir, photo_size=32, stdout=out, stderr=StringIO())

    assert "Imported 10 products (10 already present)" in out.getvalue()
    assert Product.objects.count() == ProductImage.objects.count() == 20


def test_import_fashion_mnist_checks_per_category(idx_dir):
    with pytest.raises(CommandError, match="--per-category must be between 1 and 6000"):
        call_command("import_fashion_mnist", per_category=0, data_dir=idx_dir)
