"""The catalog's port to text search (``/api/products/?search=``).

Text search lives in an app built on top of the catalog (``search`` imports ``catalog``'s
models), so the catalog calls it through this port, as it calls the image index
(``catalog.indexing``): ``settings.CATALOG_TEXT_SEARCH`` names a module with
``product_search_page`` (the search app's is ``search.selectors``).
"""

from __future__ import annotations

from decimal import Decimal
from importlib import import_module
from typing import Protocol, cast

from django.conf import settings

from .models import Product


class ProductTextSearch(Protocol):
    def product_search_page(
        self,
        *,
        query: str,
        category: str | None,
        min_price: Decimal | None,
        max_price: Decimal | None,
        sort: str | None,
        page: int,
        page_size: int,
    ) -> tuple[int, list[Product]]:
        """(number of matches, this page's products) for ``query``, best match first unless
        ``sort`` (newest | price_asc | price_desc) says otherwise."""


def product_text_search() -> ProductTextSearch:
    """The configured text search: the module ``settings.CATALOG_TEXT_SEARCH`` names."""
    return cast(ProductTextSearch, import_module(settings.CATALOG_TEXT_SEARCH))
