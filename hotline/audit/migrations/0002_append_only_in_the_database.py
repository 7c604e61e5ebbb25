"""The audit log refuses changes in the database itself, not only in the ORM: a raw UPDATE or
DELETE (a script, a shell, a compromised process with the application's role) fails too.

Emptying the whole table with TRUNCATE stays possible on PostgreSQL for the table's owner, which
the test suite's flush needs; SQLite, whose flush deletes row by row, refuses only changes."""

from django.db import migrations

POSTGRESQL = [
    """CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '个人信息查看记录只能追加，不能修改或删除 (audit log is append-only)'; END $$""",
    """CREATE TRIGGER audit_personaldataaccess_append_only BEFORE UPDATE OR DELETE ON audit_personaldataaccess
       FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
]
POSTGRESQL_BACK = [
    "DROP TRIGGER audit_personaldataaccess_append_only ON audit_personaldataaccess",
    "DROP FUNCTION audit_refuse_change()",
]
SQLITE = [
    """CREATE TRIGGER audit_personaldataaccess_append_only BEFORE UPDATE ON audit_personaldataaccess
             BEGIN SELECT RAISE(ABORT, '个人信息查看记录只能追加，不能修改 (audit log is append-only)'); END"""
]
SQLITE_BACK = ["DROP TRIGGER audit_personaldataaccess_append_only"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_BACK, "sqlite": SQLITE_BACK}),
        ),
    ]
