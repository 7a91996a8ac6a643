"""The shop's domain errors. Views turn them into form errors or messages; the API into 4xx."""


class ShopError(Exception):
    """Base class of every error a shopper, seller or staff member can cause and fix."""


class InvalidImage(ShopError):
    """An upload is not a complete JPEG/PNG/WebP image within the size and pixel limits."""
