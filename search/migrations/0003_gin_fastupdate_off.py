from django.db import migrations


def install(apps, schema_editor):
    # search/schema.py: the GIN indexes without a pending list (fastupdate = off), the pending
    # entries merged now.
    from search.schema import schema_install

    schema_install(schema_editor.connection)


def noop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_document_attributes"),
    ]

    operations = [
        migrations.RunPython(install, noop, elidable=False),
    ]
