"""The database itself refuses to change an order event once written.

Deletes are refused on PostgreSQL only: SQLite test runs empty tables with DELETE, while
PostgreSQL's TRUNCATE does not fire row triggers.
"""

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER orders_event_no_update BEFORE UPDATE ON orders_event "
    "BEGIN SELECT RAISE(ABORT, 'order events are append-only'); END;",
]
POSTGRES = [
    "CREATE FUNCTION orders_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'order events are append-only'; END; $$;",
    "CREATE TRIGGER orders_event_no_change BEFORE UPDATE OR DELETE ON orders_event "
    "FOR EACH ROW EXECUTE FUNCTION orders_event_append_only();",
]
UNDO = {
    "sqlite": ["DROP TRIGGER IF EXISTS orders_event_no_update;"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS orders_event_no_change ON orders_event;",
        "DROP FUNCTION IF EXISTS orders_event_append_only();",
    ],
}


def install(apps, schema_editor):
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def uninstall(apps, schema_editor):
    for sql in UNDO.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("orders", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
