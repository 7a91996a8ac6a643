"""The search index's database objects, per vendor, kept current by the database itself.

Every write to a product (the admin, a service's ``save()``, ``bulk_create``, ``QuerySet.update()``,
the colour the embedding worker writes, raw SQL) and every category rename reaches the index
through triggers on ``catalog_product`` and ``catalog_category``; no Python code writes it.

- **PostgreSQL**: ``search_productsearchdocument`` (model ``ProductSearchDocument``): one row
  per product with a stored ``tsvector`` (``english`` configuration: stemmed, English stop
  words dropped) weighing the name A, the colour and the category name B, the description and
  SKU D, GIN-indexed (and the name's alone, ``name_vector``), next to copies of the product's
  ``category_id``, ``colour``, ``price``, ``stock > 0`` (``in_stock``), ``is_active`` and
  ``created_at``: a search reads this one table
  (match, filters, facets, sort) and never joins ``catalog_product``, whose full scan was most of
  a search's time at 100k products. A write that changes only price, stock, ``is_active`` or
  ``created_at`` copies them without parsing the text again. ASCII punctuation becomes spaces
  and common Latin accents are folded before parsing, so "T-shirt/top" is the words "t", "shirt", "top" as on SQLite.
- **SQLite**: the FTS5 table ``search_product_fts`` (columns ``name``, ``tags`` = colour and
  category name, ``description`` = description and SKU; ``porter unicode61 remove_diacritics 2``
  tokenizer, prefix indexes for 2- and 3-letter prefixes), its rowid the product's id.

``schema_install`` creates them (the migration calls it; safe to run again), ``index_rebuild``
rebuilds the index from the catalog (``manage.py search_reindex``).
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

FTS_TABLE = "search_product_fts"
DOCUMENT_TABLE = "search_productsearchdocument"

# Latin letters with diacritics and their base letters (PostgreSQL's translate(); the bundled
# server has no unaccent extension). Generated from Unicode's NFKD decompositions.
_ACCENTED = (
    "àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęěĝğġģĥĩīĭįĵķĺļľńņňōŏő"
    "ŕŗřśŝşšţťũūŭůűųŵŷźżžſơưǎǐǒǔǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳ"
)
_UNACCENTED = (
    "aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeeegggghiiiijklllnnnooo"
    "rrrssssttuuuuuuwyzzzsouaiouuuuuaagkoojgnaaaeeiioorruusthaeooooy"
)

# --- PostgreSQL ---------------------------------------------------------------------------------

_PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION search_document_text(value text) RETURNS text AS $$
  SELECT regexp_replace(
    translate(lower(coalesce(value, '')), '{_ACCENTED}', '{_UNACCENTED}'), '[[:punct:]]+', ' ', 'g'
  )
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION search_product_vector(name text, colour text, category text, description text, sku text)
RETURNS tsvector AS $$
  SELECT setweight(to_tsvector('english'::regconfig, search_document_text(name)), 'A')
      || setweight(to_tsvector('english'::regconfig,
           search_document_text(coalesce(colour, '') || ' ' || coalesce(category, ''))), 'B')
      || setweight(to_tsvector('english'::regconfig,
           search_document_text(coalesce(description, '') || ' ' || coalesce(sku, ''))), 'D')
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION search_product_document_sync() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    DELETE FROM {DOCUMENT_TABLE} WHERE product_id = OLD.id;
    RETURN OLD;
  END IF;
  -- A price, stock or is_active change (checkout, the admin's toggles) leaves the words alone:
  -- copy the attributes without parsing the text again.
  IF TG_OP = 'UPDATE' AND (NEW.name, NEW.colour, NEW.description, NEW.sku, NEW.category_id)
      IS NOT DISTINCT FROM (OLD.name, OLD.colour, OLD.description, OLD.sku, OLD.category_id) THEN
    UPDATE {DOCUMENT_TABLE}
    SET price = NEW.price, in_stock = NEW.stock > 0, is_active = NEW.is_active, created_at = NEW.created_at
    WHERE product_id = NEW.id
      AND (price, in_stock, is_active, created_at)
          IS DISTINCT FROM (NEW.price, NEW.stock > 0, NEW.is_active, NEW.created_at);
    IF FOUND OR EXISTS (SELECT 1 FROM {DOCUMENT_TABLE} WHERE product_id = NEW.id) THEN
      RETURN NEW;
    END IF;
  END IF;
  INSERT INTO {DOCUMENT_TABLE}
    (product_id, vector, name_vector, category_id, colour, price, in_stock, is_active, created_at)
  SELECT NEW.id, search_product_vector(NEW.name, NEW.colour, c.name, NEW.description, NEW.sku),
         to_tsvector('english'::regconfig, search_document_text(NEW.name)),
         NEW.category_id, NEW.colour, NEW.price, NEW.stock > 0, NEW.is_active, NEW.created_at
  FROM catalog_category c WHERE c.id = NEW.category_id
  ON CONFLICT (product_id) DO UPDATE SET
    vector = EXCLUDED.vector, name_vector = EXCLUDED.name_vector,
    category_id = EXCLUDED.category_id, colour = EXCLUDED.colour,
    price = EXCLUDED.price, in_stock = EXCLUDED.in_stock, is_active = EXCLUDED.is_active,
    created_at = EXCLUDED.created_at;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION search_category_documents_sync() RETURNS trigger AS $$
BEGIN
  UPDATE {DOCUMENT_TABLE} d
  SET vector = search_product_vector(p.name, p.colour, NEW.name, p.description, p.sku)
  FROM catalog_product p WHERE p.id = d.product_id AND p.category_id = NEW.id;
  RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

_PG_TRIGGERS = """
DROP TRIGGER IF EXISTS search_product_document_sync ON catalog_product;
CREATE TRIGGER search_product_document_sync
  AFTER INSERT OR DELETE
  OR UPDATE OF name, colour, description, sku, category_id, price, stock, is_active, created_at ON catalog_product
  FOR EACH ROW EXECUTE FUNCTION search_product_document_sync();
DROP TRIGGER IF EXISTS search_category_documents_sync ON catalog_category;
CREATE TRIGGER search_category_documents_sync
  AFTER UPDATE OF name ON catalog_category
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION search_category_documents_sync();
"""

# The GIN indexes find the words (``name_vector``: the name's alone, so a name-only match, as
# suggestions and the name weight ask, needs no recheck of weight labels); the partial btrees
# serve a search without words: its facets
# (an index-only scan of the attributes) and its pages by date or price (read in order, LIMIT),
# and a search's bounded look for its page among the first products in the sort's order.
# ``fastupdate = off``: with GIN's default, new entries wait in a pending list (up to 4 MB) that
# every full-text scan reads whole until VACUUM merges it: after a bulk import of 100,000
# products, searches ran 2.5x slower (p50 52 ms, not 21) until autovacuum came round. Off, each
# write updates the index in place (the 100k import took as long: 40 s either way).
_PG_INDEX = f"""
CREATE INDEX IF NOT EXISTS search_document_vector_gin ON {DOCUMENT_TABLE} USING gin (vector);
CREATE INDEX IF NOT EXISTS search_document_name_gin ON {DOCUMENT_TABLE} USING gin (name_vector);
ALTER INDEX search_document_vector_gin SET (fastupdate = off);
ALTER INDEX search_document_name_gin SET (fastupdate = off);
SELECT gin_clean_pending_list('search_document_vector_gin'::regclass);
SELECT gin_clean_pending_list('search_document_name_gin'::regclass);
CREATE INDEX IF NOT EXISTS search_document_facets ON {DOCUMENT_TABLE} (category_id, colour, in_stock, price)
  WHERE is_active;
CREATE INDEX IF NOT EXISTS search_document_newest ON {DOCUMENT_TABLE} (created_at DESC, product_id DESC)
  WHERE is_active;
CREATE INDEX IF NOT EXISTS search_document_price ON {DOCUMENT_TABLE} (price, product_id) WHERE is_active;
"""

_PG_REBUILD = f"""
TRUNCATE {DOCUMENT_TABLE};
INSERT INTO {DOCUMENT_TABLE}
  (product_id, vector, name_vector, category_id, colour, price, in_stock, is_active, created_at)
SELECT p.id, search_product_vector(p.name, p.colour, c.name, p.description, p.sku),
       to_tsvector('english'::regconfig, search_document_text(p.name)),
       p.category_id, p.colour, p.price, p.stock > 0, p.is_active, p.created_at
FROM catalog_product p JOIN catalog_category c ON c.id = p.category_id;
ANALYZE {DOCUMENT_TABLE};
"""

# --- SQLite -------------------------------------------------------------------------------------

_SQLITE_TABLE = f"""
CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
  name, tags, description, tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3'
)
"""


def _sqlite_row(product: str) -> str:
    """The FTS row of product ``{product}`` (NEW, OLD or p) and its category ``c``."""
    return (
        f"SELECT {product}.id, {product}.name, coalesce({product}.colour, '') || ' ' || c.name, "
        f"coalesce({product}.description, '') || ' ' || {product}.sku "
        f"FROM catalog_category c WHERE c.id = {product}.category_id"
    )


_SQLITE_TRIGGERS = {
    "search_product_fts_insert": f"""
CREATE TRIGGER IF NOT EXISTS search_product_fts_insert AFTER INSERT ON catalog_product BEGIN
  INSERT INTO {FTS_TABLE} (rowid, name, tags, description) {_sqlite_row("NEW")};
END""",
    "search_product_fts_update": f"""
CREATE TRIGGER IF NOT EXISTS search_product_fts_update
AFTER UPDATE OF name, colour, description, sku, category_id ON catalog_product BEGIN
  DELETE FROM {FTS_TABLE} WHERE rowid = OLD.id;
  INSERT INTO {FTS_TABLE} (rowid, name, tags, description) {_sqlite_row("NEW")};
END""",
    "search_product_fts_delete": f"""
CREATE TRIGGER IF NOT EXISTS search_product_fts_delete AFTER DELETE ON catalog_product BEGIN
  DELETE FROM {FTS_TABLE} WHERE rowid = OLD.id;
END""",
    "search_category_fts_update": f"""
CREATE TRIGGER IF NOT EXISTS search_category_fts_update AFTER UPDATE OF name ON catalog_category
WHEN OLD.name IS NOT NEW.name BEGIN
  UPDATE {FTS_TABLE}
  SET tags = coalesce((SELECT p.colour FROM catalog_product p WHERE p.id = {FTS_TABLE}.rowid), '') || ' ' || NEW.name
  WHERE rowid IN (SELECT id FROM catalog_product WHERE category_id = NEW.id);
END""",
}

_SQLITE_REBUILD = [
    f"DELETE FROM {FTS_TABLE}",
    f"INSERT INTO {FTS_TABLE} (rowid, name, tags, description) "
    "SELECT p.id, p.name, coalesce(p.colour, '') || ' ' || c.name, coalesce(p.description, '') || ' ' || p.sku "
    "FROM catalog_product p JOIN catalog_category c ON c.id = p.category_id",
]


def _sqlite_missing(connection: BaseDatabaseWrapper) -> bool:
    """Whether the FTS table or any of its triggers is missing."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE (type = 'trigger' OR type = 'table') AND name LIKE 'search_%'"
        )
        present = {row[0] for row in cursor.fetchall()}
    return not ({FTS_TABLE, *_SQLITE_TRIGGERS} <= present)


def _pg_has_attributes(connection: BaseDatabaseWrapper) -> bool:
    """Whether the document table has its copied product columns (migration 0002)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s AND column_name = 'name_vector')",
            [DOCUMENT_TABLE],
        )
        return bool(cursor.fetchone()[0])


def schema_install(connection: BaseDatabaseWrapper) -> None:
    """Create (or re-create) the index's table, functions, triggers and indexes on
    ``connection``, and fill the index if it was missing. Idempotent."""
    if connection.vendor == "postgresql":
        if not _pg_has_attributes(connection):
            return  # migration 0001's state: 0002 adds the copied columns, then installs all this
        with connection.cursor() as cursor:
            cursor.execute(_PG_FUNCTIONS)
            cursor.execute(_PG_TRIGGERS)
            cursor.execute(_PG_INDEX)
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM catalog_product p WHERE NOT EXISTS "
                f"(SELECT 1 FROM {DOCUMENT_TABLE} d WHERE d.product_id = p.id))"
            )
            stale = cursor.fetchone()[0]
        if stale:
            index_rebuild(connection)
    elif connection.vendor == "sqlite":
        if not _sqlite_missing(connection):
            return
        with connection.cursor() as cursor:
            cursor.execute(_SQLITE_TABLE)
            for sql in _SQLITE_TRIGGERS.values():
                cursor.execute(sql)
        index_rebuild(connection)


def schema_uninstall(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers, functions and the FTS table (the migration's reverse)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "DROP TRIGGER IF EXISTS search_product_document_sync ON catalog_product;"
                "DROP TRIGGER IF EXISTS search_category_documents_sync ON catalog_category;"
                "DROP FUNCTION IF EXISTS search_product_document_sync();"
                "DROP FUNCTION IF EXISTS search_category_documents_sync();"
                "DROP FUNCTION IF EXISTS search_product_vector(text, text, text, text, text);"
                "DROP FUNCTION IF EXISTS search_document_text(text);"
            )
        elif connection.vendor == "sqlite":
            for name in _SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def index_rebuild(connection: BaseDatabaseWrapper | None = None) -> int:
    """Rebuild the whole index from the catalog; returns the number of products indexed."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_REBUILD)
            cursor.execute(f"SELECT count(*) FROM {DOCUMENT_TABLE}")
        else:
            for sql in _SQLITE_REBUILD:
                cursor.execute(sql)
            cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}")
        return int(cursor.fetchone()[0])


def schema_ensure_after_migrate(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """``post_migrate`` receiver: put back what a table rebuild dropped (SQLite only), once the
    search app's migration has run on this database."""
    if getattr(sender, "name", None) != "search":
        return
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [DOCUMENT_TABLE])
        migrated = cursor.fetchone() is not None
    if migrated:
        schema_install(connection)
