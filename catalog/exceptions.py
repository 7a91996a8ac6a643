"""The shop's domain errors. Views turn them into form errors or messages; the API into 4xx."""


class ShopError(Exception):
    """Base class of every error a shopper, seller or staff member can cause and fix."""


class InvalidImage(ShopError):
    """An upload is not a complete JPEG/PNG/WebP image within the size and pixel limits."""


class InsufficientStock(ShopError):
    """Fewer units are in stock than asked for; ``product_names`` lists what ran short."""

    def __init__(self, message: str, product_names: list[str] | tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.product_names = list(product_names)
