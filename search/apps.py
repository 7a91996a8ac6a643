from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SearchConfig(AppConfig):
    name = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .schema import schema_ensure_after_migrate

        # SQLite drops a table's triggers when a migration rebuilds the table (Django's
        # ``_remake_table``): put them back after every migrate (idempotent, cheap).
        post_migrate.connect(schema_ensure_after_migrate, dispatch_uid="search.schema_ensure")
