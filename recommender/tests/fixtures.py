"""Recommender fixtures for any app's tests (registered once in the root conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh_vector_cache() -> None:
    """The NumPy search keeps a per-process copy of the vectors keyed by (row count, max id).
    Test transactions roll back, and on SQLite the id sequence rolls back with them, so the
    next test can rebuild a table with the same signature: start every test from a cold cache."""
    from recommender.vector_search import NumpyIndex

    NumpyIndex.cache.clear()
