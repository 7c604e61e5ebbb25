"""The default taxonomy (taxonomy.csv beside this app), loaded once; edit it in the admin."""

import csv
from pathlib import Path

from django.db import migrations

TAXONOMY = Path(__file__).resolve().parent.parent / "taxonomy.csv"


def load(apps, schema_editor):
    Category = apps.get_model("catalog", "Category")
    with TAXONOMY.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            Category.objects.update_or_create(
                code=row["code"],
                defaults=dict(
                    group=row["group"],
                    name=row["category"],
                    routing=row["routing"],
                    default_unit=row["default_unit"],
                    limit_workdays=int(row["limit_workdays"]),
                    scope=row["scope"],
                ),
            )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
