"""Order numbers from a sequence per day on PostgreSQL (see hotline.orders.numbers)."""

from django.db import migrations

from hotline.orders.numbers import DROP_FUNCTION, FUNCTION


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)  # its format() has % signs of its own


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("orders", "0003_attachment")]
    operations = [migrations.RunPython(install, uninstall)]
