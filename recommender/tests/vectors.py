"""Hand-made unit vectors and embeddings whose cosine similarities are known exactly."""

from __future__ import annotations

import numpy as np

from catalog.models import ProductImage
from recommender.models import ImageEmbedding
from recommender.vector_search import NumpyIndex, vector_index

VERSION = "test-v1"

#: The NumPy search's per-process copy of the vectors (emptied before every test).
vector_cache = NumpyIndex.cache


def unit(*weights: float, offset: int = 0) -> np.ndarray:
    """A unit vector whose first components (from ``offset``) are ``weights``, normalised."""
    vector = np.zeros(512, dtype=np.float32)
    vector[offset : offset + len(weights)] = weights
    return vector / np.linalg.norm(vector)


E0 = unit(1.0)


def embed(product, vector: np.ndarray, *, version: str = VERSION, position: int = 0) -> ImageEmbedding:
    """Give ``product`` one more image (a database row only, no file) with this vector."""
    image = ProductImage.objects.create(
        product=product,
        image=f"products/test/{product.pk}-{position}.png",
        sha256="0" * 64,
        width=224,  # with the size known, Django does not open the (absent) file
        height=224,
        position=position,
    )
    return ImageEmbedding.objects.create(product_image=image, product=product, model_version=version, vector=vector)


def nearest_products(**kwargs) -> list[tuple[int, float]]:
    """``vector_index().nearest_products(...)``: the search the configured database gets."""
    return vector_index().nearest_products(**kwargs)
