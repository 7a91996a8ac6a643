from __future__ import annotations

from django.apps import AppConfig


class SellersConfig(AppConfig):
    """The seller dashboard, Seller API and bulk import; no models of its own (see the package
    docstring: ``Seller`` is in ``accounts``, ``BulkImport`` in ``catalog``)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "sellers"
