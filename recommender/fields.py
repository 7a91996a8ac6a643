"""A vector column that is pgvector's ``vector(n)`` on PostgreSQL and a float32 BLOB elsewhere.

The vendor test here is storage only (column type and value encoding); which search runs is
decided once, by ``recommender.vector_search.vector_index()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pgvector.django import VectorField


class EmbeddingField(VectorField):
    """``vector(dimensions)`` on PostgreSQL (searchable with ``CosineDistance`` and HNSW);
    little-endian float32 bytes on SQLite, searched exactly by ``vector_search.NumpyIndex``.

    Python value: ``numpy.ndarray`` float32 of shape (dimensions,).
    """

    def db_type(self, connection: Any) -> str:
        if connection.vendor == "postgresql":
            return super().db_type(connection)
        return "blob"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> np.ndarray | None:  # type: ignore[override]  # arrays, not pgvector's lists
        if value is None:
            return None
        if connection.vendor == "postgresql":
            # pgvector.django gives a list of floats; keep one Python type on every database.
            return np.asarray(super().from_db_value(value, expression, connection), dtype=np.float32)
        return np.frombuffer(bytes(value), dtype="<f4")

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or connection.vendor == "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        array = np.asarray(value, dtype="<f4")
        if array.shape != (self.dimensions,):
            raise ValueError(f"Expected {self.dimensions} dimensions, not {array.shape}")
        return array.tobytes()

    def to_python(self, value: Any) -> Any:
        if isinstance(value, (bytes, memoryview)):
            return np.frombuffer(bytes(value), dtype="<f4")
        return super().to_python(value)
