"""The catalog's domain errors (``core.exceptions`` family). Views turn them into form errors,
messages or 404 pages; the API into 4xx (``core.api.exception_handler``)."""

from __future__ import annotations

from core.exceptions import Conflict, NotFound, ShopError


class InvalidImage(ShopError):
    """An upload is not a complete JPEG/PNG/WebP image within the size and pixel limits (400)."""


class InsufficientStock(Conflict):
    """Fewer units are in stock than asked for (409); ``product_names`` lists what ran short."""

    def __init__(self, message: str, product_names: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.product_names = list(product_names)


class CategoryNotFound(NotFound):
    """No category has this slug (404)."""


class ProductNotFound(NotFound):
    """No such product, or none this caller may see: inactive, or another seller's (404)."""


class ProductImageNotFound(NotFound):
    """The product has no photo with this id (404)."""
