from catalog.exceptions import ShopError


class RecommenderError(ShopError):
    """Base of the visual recommender's errors."""


class SearchUnavailable(RecommenderError):
    """The query image could not be embedded in time (no embedding worker answered)."""
