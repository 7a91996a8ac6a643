import django.contrib.postgres.search
from django.db import migrations, models


def install(apps, schema_editor):
    # New trigger functions and indexes, then every document again (with its attributes).
    from search.schema import index_rebuild, schema_install

    schema_install(schema_editor.connection)
    if schema_editor.connection.vendor == "postgresql":
        index_rebuild(schema_editor.connection)


def noop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="productsearchdocument",
            name="name_vector",
            field=django.contrib.postgres.search.SearchVectorField(null=True),
        ),
        migrations.AddField(
            model_name="productsearchdocument",
            name="category_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="productsearchdocument",
            name="colour",
            field=models.CharField(max_length=20, null=True),
        ),
        migrations.AddField(
            model_name="productsearchdocument",
            name="price",
            field=models.DecimalField(decimal_places=2, max_digits=12, null=True),
        ),
        migrations.AddField(
            model_name="productsearchdocument",
            name="in_stock",
            field=models.BooleanField(null=True),
        ),
        migrations.AddField(
            model_name="productsearchdocument",
            name="is_active",
            field=models.BooleanField(null=True),
        ),
        migrations.AddField(
            model_name="productsearchdocument",
            name="created_at",
            field=models.DateTimeField(null=True),
        ),
        # search/schema.py: the triggers now copy the attributes; indexes for searches without words.
        migrations.RunPython(install, noop, elidable=False),
    ]
