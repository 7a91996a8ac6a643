"""HNSW index (cosine) on the embedding vectors, on PostgreSQL only.

Kept out of the model's Meta.indexes because SQLite has no HNSW: there the selectors search
exactly in NumPy.
"""

from django.db import migrations

INDEX = "recommender_imageembedding_vector_hnsw"


def create_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON recommender_imageembedding "
        "USING hnsw (vector vector_cosine_ops) WITH (m = 16, ef_construction = 64)"
    )


def drop_index(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("recommender", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
