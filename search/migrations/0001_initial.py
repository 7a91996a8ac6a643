import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


def install(apps, schema_editor):
    from search.schema import schema_install

    schema_install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from search.schema import schema_uninstall

    schema_uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0005_colour"),
    ]

    operations = [
        migrations.CreateModel(
            name="ProductSearchDocument",
            fields=[
                (
                    "product",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="catalog.product",
                    ),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField(null=True)),
            ],
            options={
                "managed": True,
            },
        ),
        # The triggers that keep the index current, the GIN index (PostgreSQL) or the FTS5 table
        # (SQLite), and the index of the products already there: search/schema.py.
        migrations.RunPython(install, uninstall, elidable=False),
    ]
