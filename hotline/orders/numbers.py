"""Order numbers: the local date and a daily sequence, e.g. 2026112300017.

On PostgreSQL every day has a sequence of its own (``orders_number_YYYYMMDD``), made by the
day's first registration and started past any number the day already has (imported or
generated orders, the day counter). A sequence hands numbers out without a lock: the counter row
used before was locked until the registering transaction committed, so every registration of the
day waited for the one before it. A registration that is rolled back leaves a gap, as any
sequence does. SQLite writes one transaction at a time anyway and keeps the counter row.
"""

from collections.abc import Iterable
from datetime import date

from django.db import connection

# One round trip: a plpgsql function (migration orders 0004) makes the day's sequence when asked
# for a day it does not know yet.
FUNCTION = r"""
CREATE OR REPLACE FUNCTION orders_next_number(day date) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  name text := 'orders_number_' || to_char(day, 'YYYYMMDD');
  start bigint;
BEGIN
  RETURN nextval(name);
EXCEPTION WHEN undefined_table THEN
  SELECT greatest(
    coalesce((SELECT c.last FROM orders_dailycounter c WHERE c.day = orders_next_number.day), 0),
    coalesce((SELECT max(substr(o.number, 9)::bigint) FROM orders_workorder o
              WHERE o.number >= to_char(day, 'YYYYMMDD') AND o.number < to_char(day + 1, 'YYYYMMDD')
                AND o.number ~ '^[0-9]{9,}$'), 0)) + 1 INTO start;
  BEGIN
    EXECUTE format('CREATE SEQUENCE %I START %s', name, start);
  EXCEPTION WHEN duplicate_table OR unique_violation THEN
    NULL;  -- another registration made it at the same moment
  END;
  RETURN nextval(name);
END $$;
"""
DROP_FUNCTION = "DROP FUNCTION IF EXISTS orders_next_number(date);"


def _sequence(day: date) -> str:
    return f"orders_number_{day:%Y%m%d}"


def next_number(day: date) -> str:
    """The next number of ``day``; unique under any concurrency."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT orders_next_number(%s)", [day])
        else:
            cursor.execute(
                "INSERT INTO orders_dailycounter (day, last) VALUES (%s, 1) "
                "ON CONFLICT (day) DO UPDATE SET last = orders_dailycounter.last + 1 "
                "RETURNING last",
                [day],
            )
        (seq,) = cursor.fetchone()
    return f"{day:%Y%m%d}{seq:05d}"


def reserve_through(lasts: Iterable[tuple[date, int]]) -> None:
    """Numbers up to ``last`` of each day are taken (orders written in bulk, by import or the
    benchmark generator): later registrations of those days continue after them."""
    lasts = sorted(lasts)
    if not lasts:
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO orders_dailycounter (day, last) VALUES (%s, %s) "
            "ON CONFLICT (day) DO UPDATE SET last = "
            "CASE WHEN excluded.last > orders_dailycounter.last THEN excluded.last "
            "ELSE orders_dailycounter.last END",
            lasts,
        )
        if connection.vendor != "postgresql":
            return
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'S' AND relname = ANY(%s)",
            [[_sequence(day) for day, _ in lasts]],
        )
        made = {name for (name,) in cursor.fetchall()}
        for day, last in lasts:
            if _sequence(day) in made:
                cursor.execute(
                    f'SELECT setval(%s, greatest(%s, (SELECT last_value FROM "{_sequence(day)}")))',
                    [_sequence(day), last],
                )


def forget_days() -> None:
    """Drop the days' sequences (PostgreSQL): for test runs that empty the tables between tests."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class "
            "WHERE relkind = 'S' AND relname LIKE 'orders\\_number\\_%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP SEQUENCE IF EXISTS "{name}"')
