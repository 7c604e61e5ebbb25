"""Order events stay append-only, with one exception: once the retention period has anonymised
an order (``anonymised_at`` set), the personal data in its events' ``note`` and ``payload`` may be
removed. Every other column still cannot change, and deletes are still refused on PostgreSQL.
"""

from django.db import migrations

# The columns that must stay as written even on an anonymised order.
FIXED = [
    "id",
    "order_id",
    "seq",
    "at",
    "action",
    "from_status",
    "to_status",
    "actor_id",
    "actor_role",
    "actor_unit_id",
    "unit_id",
]
_SAME = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in FIXED)
_ROW = ", ".join
_ANONYMISED = (
    "EXISTS (SELECT 1 FROM orders_workorder WHERE id = OLD.order_id AND anonymised_at IS NOT NULL)"
)

SQLITE = [
    "DROP TRIGGER IF EXISTS orders_event_no_update;",
    f"CREATE TRIGGER orders_event_no_update BEFORE UPDATE ON orders_event WHEN NOT ({_SAME} AND {_ANONYMISED}) "
    "BEGIN SELECT RAISE(ABORT, 'order events are append-only'); END;",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION orders_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN IF TG_OP = 'UPDATE' AND ({_ROW('NEW.' + c for c in FIXED)}) IS NOT DISTINCT FROM "
    f"({_ROW('OLD.' + c for c in FIXED)}) AND {_ANONYMISED} THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'order events are append-only'; END; $$;",
]
# Back to 0002's rules: no update at all.
UNDO = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS orders_event_no_update;",
        "CREATE TRIGGER orders_event_no_update BEFORE UPDATE ON orders_event "
        "BEGIN SELECT RAISE(ABORT, 'order events are append-only'); END;",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION orders_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'order events are append-only'; END; $$;",
    ],
}


def install(apps, schema_editor):
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def uninstall(apps, schema_editor):
    for sql in UNDO.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_anonymised_at")]
    operations = [migrations.RunPython(install, uninstall)]
