from __future__ import annotations

import numpy as np
import pytest
from django.db import DataError, connection

from catalog.tests.factories import ProductImageFactory
from recommender.models import ImageEmbedding

pytestmark = pytest.mark.django_db


def random_unit_vector(seed: int) -> np.ndarray:
    vector = np.random.default_rng(seed).standard_normal(512).astype(np.float32)
    return vector / np.linalg.norm(vector)


def test_embedding_round_trips_exactly_as_float32():
    image = ProductImageFactory.create()
    vector = random_unit_vector(0)

    ImageEmbedding.objects.create(product_image=image, product=image.product, model_version="v", vector=vector)
    stored = ImageEmbedding.objects.get().vector

    assert isinstance(stored, np.ndarray)
    assert stored.dtype == np.float32
    assert stored.shape == (512,)
    assert np.array_equal(stored, vector)


def test_float64_and_list_values_are_stored_as_float32():
    image = ProductImageFactory.create()
    values = np.linspace(-1, 1, 512)  # float64

    ImageEmbedding.objects.create(product_image=image, product=image.product, model_version="v", vector=values.tolist())

    assert np.array_equal(ImageEmbedding.objects.get().vector, values.astype(np.float32))


def test_values_list_and_bulk_create_round_trip():
    images = ProductImageFactory.create_batch(3)
    vectors = [random_unit_vector(seed) for seed in range(3)]

    ImageEmbedding.objects.bulk_create(
        ImageEmbedding(product_image=i, product=i.product, model_version="v", vector=v)
        for i, v in zip(images, vectors, strict=True)
    )
    stored = list(ImageEmbedding.objects.order_by("product_image_id").values_list("vector", flat=True))

    assert all(np.array_equal(s, v) for s, v in zip(stored, vectors, strict=True))


def test_column_type_matches_the_database():
    field = ImageEmbedding._meta.get_field("vector")

    expected = "vector(512)" if connection.vendor == "postgresql" else "blob"
    assert field.db_type(connection) == expected


def test_wrong_dimensions_are_refused():
    image = ProductImageFactory.create()

    # SQLite: the field refuses it; PostgreSQL: pgvector's vector(512) column does.
    with pytest.raises((ValueError, DataError), match="512|dimensions"):
        ImageEmbedding.objects.create(product_image=image, product=image.product, model_version="v", vector=[1.0] * 511)


def test_one_embedding_per_image_and_model_version():
    image = ProductImageFactory.create()
    vector = random_unit_vector(1)
    ImageEmbedding.objects.create(product_image=image, product=image.product, model_version="v1", vector=vector)
    ImageEmbedding.objects.create(product_image=image, product=image.product, model_version="v2", vector=vector)

    created = ImageEmbedding.objects.bulk_create(
        [ImageEmbedding(product_image=image, product=image.product, model_version="v1", vector=vector)],
        ignore_conflicts=True,
    )

    assert len(created) == 1
    assert ImageEmbedding.objects.filter(product_image=image).count() == 2
