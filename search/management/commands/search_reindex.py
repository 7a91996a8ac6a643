from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from search.query import lexicon_clear
from search.schema import index_rebuild, schema_install


class Command(BaseCommand):
    help = (
        "Rebuild the text-search index (and its triggers) from the catalog. The database's triggers keep "
        "it current; run this after restoring a dump without them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            schema_install(connection)
            count = index_rebuild(connection)
        lexicon_clear()
        self.stdout.write(f"Indexed {count} products ({connection.vendor}).")
