"""The small real Fashion-MNIST sample the tests use (see ``data/make_sample.py``).

120 train images (12 per class) become catalog products; 40 test images (4 per class) are
shoppers' query photos the catalog has never seen.
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from catalog import fashion_mnist as fm

SAMPLE_PATH = Path(__file__).parent / "data" / "fashion_mnist_sample.npz"
PHOTO_SIZE = 224  # as `manage.py import_fashion_mnist` stores them

FOOTWEAR = frozenset({"sandal", "sneaker", "ankle-boot"})


def label_slug(label: int) -> str:
    return fm.CATEGORIES[int(label)][1]


def label_name(label: int) -> str:
    return fm.CATEGORIES[int(label)][0]


@dataclass(frozen=True)
class FashionMnistSample:
    train_images: np.ndarray  # uint8 (120, 28, 28), light-on-dark as in the idx files
    train_labels: np.ndarray  # uint8 (120,)
    train_indices: np.ndarray  # int64 (120,), index in the 60,000 train images
    test_images: np.ndarray  # uint8 (40, 28, 28)
    test_labels: np.ndarray  # uint8 (40,)
    test_indices: np.ndarray  # int64 (40,), index in the 10,000 test images

    def png(self, split: str, row: int) -> bytes:
        """Row ``row`` of ``split`` as the shop stores it: dark-on-white 224×224 RGB PNG."""
        return _photo_png(split, row)

    def photo(self, split: str, row: int) -> Image.Image:
        return Image.open(io.BytesIO(self.png(split, row))).convert("RGB")

    def rows(self, split: str, slug: str) -> list[int]:
        """Rows of ``split`` whose class has category slug ``slug``, in order."""
        labels = self.train_labels if split == "train" else self.test_labels
        return [row for row, label in enumerate(labels) if label_slug(label) == slug]


@functools.cache
def load_sample() -> FashionMnistSample:
    with np.load(SAMPLE_PATH) as data:
        return FashionMnistSample(**{key: data[key] for key in data.files})


@functools.cache
def _photo_png(split: str, row: int) -> bytes:
    sample = load_sample()
    pixels = (sample.train_images if split == "train" else sample.test_images)[row]
    buffer = io.BytesIO()
    fm.to_product_photo(pixels, size=PHOTO_SIZE).save(buffer, format="PNG")
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
