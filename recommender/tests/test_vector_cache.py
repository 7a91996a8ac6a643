"""The NumPy search's per-process vector copy (security review M11): new rows are appended with
one query for the rows after the last one seen, and a burst of threads after an insert loads once."""

from __future__ import annotations

import threading
import time
from unittest import mock

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.tests.factories import ProductFactory
from recommender.models import ImageEmbedding
from recommender.vector_search import _VectorCache

from .vectors import VERSION, embed, unit, vector_cache

pytestmark = pytest.mark.django_db


def test_new_rows_are_appended_with_one_query_for_the_rows_after_the_last_one():
    products = ProductFactory.create_batch(3)
    rows = [embed(product, unit(1.0, float(i))) for i, product in enumerate(products)]
    _, before = vector_cache.get(VERSION)
    assert before.shape == (3, 512)

    newest = embed(ProductFactory.create(), unit(0.0, 0.0, 1.0))
    with CaptureQueriesContext(connection) as queries:
        product_ids, matrix = vector_cache.get(VERSION)
    assert len(queries) == 2  # the (count, max id) signature, then the new rows only
    assert f'"id" > {rows[-1].pk}' in queries[1]["sql"]
    assert matrix.shape == (4, 512)
    assert np.array_equal(matrix[:3], before)
    assert np.array_equal(matrix[3], unit(0.0, 0.0, 1.0))
    assert product_ids[-1] == newest.product_id


def test_a_delete_reloads_the_whole_copy():
    products = ProductFactory.create_batch(3)
    for i, product in enumerate(products):
        embed(product, unit(1.0, float(i)))
    vector_cache.get(VERSION)
    ImageEmbedding.objects.filter(product=products[0]).delete()
    embed(ProductFactory.create(), unit(0.0, 1.0))  # a delete and an insert: the count tells
    product_ids, matrix = vector_cache.get(VERSION)
    assert matrix.shape == (3, 512)
    assert products[0].pk not in product_ids.tolist()


def test_threads_missing_the_cache_together_load_it_once():
    cache = _VectorCache()
    loads = []

    def rows(model_version, *, after_id):
        loads.append(after_id)
        time.sleep(0.2)  # a slow query: every other thread arrives while it runs
        return np.array([1]), np.array([7]), np.ones((1, 512), dtype=np.float32)

    results = []
    with (
        mock.patch.object(_VectorCache, "_signature", return_value=(1, 1)),
        mock.patch.object(_VectorCache, "_rows", side_effect=rows),
    ):
        threads = [threading.Thread(target=lambda: results.append(cache.get(VERSION))) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert loads == [0]  # one full load, not eight
    assert len(results) == 8 and all(matrix is results[0][1] for _, matrix in results)
