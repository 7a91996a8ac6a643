"""The catalog's port to the visual search index.

The catalog stores product photos; another app (the recommender) embeds and indexes them. So
that the catalog does not import the app built on top of it (``recommender`` imports
``catalog``'s models), the catalog calls the index through this port and the project names
the adapter in ``settings.CATALOG_IMAGE_INDEX`` (the dotted path of a module with the three
functions of ``ProductImageIndex``; the recommender's is ``recommender.services``).
Every write that adds or replaces a photo (admin, dashboard, seller API, bulk import) goes
through ``catalog.services``, which tells the index here.
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol, cast

from django.conf import settings


class ProductImageIndex(Protocol):
    def product_image_embed_enqueue(self, *, image_ids: list[int]) -> None:
        """Embed these photos once the current transaction commits."""

    def product_image_reembed(self, *, image_ids: list[int]) -> int:
        """Drop these photos' current vectors and embed them again; returns how many."""

    def product_image_embedding_retry(self, *, image_ids: list[int]) -> int:
        """Enqueue again those of these photos that failed or have no current vector; returns
        how many."""


def product_image_index() -> ProductImageIndex:
    """The configured index: the module ``settings.CATALOG_IMAGE_INDEX`` names. Raises
    ``ImportError`` when the setting names no importable module."""
    return cast(ProductImageIndex, import_module(settings.CATALOG_IMAGE_INDEX))
