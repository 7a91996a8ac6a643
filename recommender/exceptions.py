"""The visual recommender's errors (``core.exceptions`` family)."""

from __future__ import annotations

from core.exceptions import NotFound, ShopError, Unavailable


class RecommenderError(ShopError):
    """Base of the visual recommender's errors (400 unless a subclass says otherwise)."""


class SearchUnavailable(RecommenderError, Unavailable):
    """The query image could not be embedded in time (no embedding worker answered): 503."""


class QueryExpired(RecommenderError, NotFound):
    """No remembered find-by-photo query has this id: unknown, expired, or embedded by another
    model version (``recommender.services.query_vector_recall``): 404."""
