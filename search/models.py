from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from catalog.models import Product


class ProductSearchDocument(models.Model):
    """A product's PostgreSQL full-text document: one row per product, written only by the
    database's own triggers (``search.schema``), on every write to a product or a category
    rename, whichever way it comes (admin, ``bulk_create``, ``QuerySet.update()``, raw SQL).

    ``vector`` (``english`` config, so stemmed) weighs the name A, the colour and category name
    B, the description and SKU D; it has a GIN index (PostgreSQL only, made by the migration).
    The other columns copy the product's, for filters, facets and sorts without a join.
    On SQLite the table stays empty: an FTS5 table (``search_product_fts``) does the same job.
    """

    # No database constraint: a foreign key would stop TRUNCATE of catalog_product (the
    # triggers delete the document with its product instead).
    product = models.OneToOneField(
        Product, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    vector = SearchVectorField(null=True)
    name_vector = SearchVectorField(null=True)  # the name's words alone (``vector``'s A), GIN-indexed
    # Copies of the product's columns (the triggers write them with the vector), so that a search
    # filters, counts facets and sorts on this table alone. NULL only before the first write.
    category_id = models.BigIntegerField(null=True)
    colour = models.CharField(max_length=20, null=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    in_stock = models.BooleanField(null=True)  # stock > 0
    is_active = models.BooleanField(null=True)
    created_at = models.DateTimeField(null=True)

    class Meta:
        managed = True

    def __str__(self) -> str:
        return f"Search document of product {self.product_id}"
