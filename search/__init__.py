"""Text search: words, facets and colour over the catalog, on PostgreSQL and on SQLite."""
