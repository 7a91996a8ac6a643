from catalog.exceptions import ShopError


class RecommenderError(ShopError):
    """Base of the visual recommender's errors."""


class SearchUnavailable(RecommenderError):
    """The query image could not be embedded in time (no embedding worker answered)."""


class QueryExpired(RecommenderError):
    """No remembered find-by-photo query has this id: unknown, expired, or embedded by another
    model version (``recommender.services.query_vector_recall``)."""
