"""Keeping the rollup equal to the event log.

Every event marks its order stale in the event's own transaction (``signals.py``); the worker's
``refresh_rollup`` folds each stale order's events again (``cohorts.fold``) and applies the
difference from what the order contributed before. ``rebuild_rollup`` recomputes everything.
Either way the rollup equals a direct recomputation from the events (tested).

Only one refresh or rebuild runs at a time (a PostgreSQL advisory lock; SQLite has a single
writer anyway), because two of them folding the same order would both apply its difference.
"""

import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from hotline.orders.models import WorkOrder

from .cohorts import COUNTERS, Contributions
from .models import Cell, Contribution, Stale
from .selectors import contributions_of, fold_orders

_LOCK_KEY = 0x12345_0A  # this app's advisory lock
_KEY = ("day", "unit_id", "category_id", "street_id", "channel")


def mark_stale(order_ids: Iterable[int]) -> None:
    """Note that these orders changed (called inside the changing transaction)."""
    Stale.objects.bulk_create([Stale(order_id=pk) for pk in order_ids])


def mark_stale_between(first_id: int, last_id: int) -> None:
    """Note that the orders with ids in this range changed (a bulk import: ids taken in one go,
    so marking any other order between them as well costs a refold and nothing else)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Stale._meta.db_table} (order_id) "
            f"SELECT id FROM {WorkOrder._meta.db_table} "
            "WHERE id BETWEEN %s AND %s",
            [first_id, last_id],
        )


def _rows(c: Contributions) -> Iterator[tuple]:
    for day, unit_id, counts in c.rows():
        yield (
            day,
            unit_id,
            c.category_id,
            c.street_id,
            c.channel,
            *(counts.get(n, 0) for n in COUNTERS),
        )


# --- incremental ----------------------------------------------------------------------------------


def _took_lock() -> bool:
    """Take this app's lock for the transaction if it is free (a refresh never waits: the one
    that holds it is doing the same work)."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
        return cursor.fetchone()[0]


def refresh_rollup(*, limit: int = 500) -> dict[str, int]:
    """Apply up to ``limit`` stale events (their orders) to the rollup; returns
    {"rolled up": events}.

    The difference between an order's new and stored contributions is added to the rollup cells
    (in key order, so two writers never wait on each other crosswise); the stale marks taken are
    deleted in the same transaction, and marks added meanwhile stay for the next round.
    """
    with transaction.atomic():
        if not _took_lock():
            return {"rolled up": 0}
        marks = list(Stale.objects.order_by("pk").values_list("pk", "order_id")[:limit])
        if not marks:
            return {"rolled up": 0}
        order_ids = sorted({order_id for _, order_id in marks})
        delta: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
        old = Contribution.objects.filter(order_id__in=order_ids)
        for row in old.values_list(*_KEY, *COUNTERS):
            _add(delta, row, -1)
        new = contributions_of(order_ids)
        for c in new:
            for row in _rows(c):
                _add(delta, row, +1)
        old.delete()
        Contribution.objects.bulk_create(
            Contribution(order_id=c.order_id, **dict(zip(_KEY + COUNTERS, row, strict=True)))
            for c in new
            for row in _rows(c)
        )
        _upsert(sorted((key, counts) for key, counts in delta.items() if any(counts)))
        Stale.objects.filter(pk__in=[pk for pk, _ in marks]).delete()
    return {"rolled up": len(marks)}


def _add(delta: dict, row: tuple, sign: int) -> None:
    counts = delta[tuple(row[:5])]
    for i, n in enumerate(row[5:]):
        counts[i] += sign * n


def _upsert(changes: list[tuple[tuple, list[int]]]) -> None:
    if not changes:
        return
    table = Cell._meta.db_table
    columns = ", ".join(_KEY + COUNTERS)
    placeholders = ", ".join(["%s"] * (len(_KEY) + len(COUNTERS)))
    increments = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in COUNTERS)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
            f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET {increments}",
            [(*key, *counts) for key, counts in changes],
        )


# --- rebuild --------------------------------------------------------------------------------------


def rebuild_rollup(*, progress: Callable[[int], None] = lambda n: None, batch: int = 20_000) -> int:
    """Recompute every order's contributions and the rollup from the event log; returns orders.

    On PostgreSQL it takes the lock before its snapshot (REPEATABLE READ), so it sees everything
    a refresh applied; it deletes exactly the stale marks of the events it sees, and events
    committed meanwhile keep theirs for the next refresh. Readers of the rollup wait for it.
    """
    postgres, outermost = connection.vendor == "postgresql", not connection.in_atomic_block
    with _session_lock(), transaction.atomic():
        if postgres and outermost:  # (inside a caller's transaction, the caller's snapshot holds)
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        Stale.objects.all().delete()
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {Contribution._meta.db_table}, {Cell._meta.db_table}")
        else:
            Contribution.objects.all().delete()
            Cell.objects.all().delete()
        done = _write_contributions(progress, batch)
        _sum_into_cells()
    return done


@contextmanager
def _session_lock() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])


def _write_contributions(progress: Callable[[int], None], batch: int) -> int:
    orders_done = 0
    for chunk in fold_orders(batch=batch):
        _insert_contributions([(c.order_id, *row) for c in chunk for row in _rows(c)])
        orders_done += len(chunk)
        progress(orders_done)
    return orders_done


def _insert_contributions(rows: list[tuple]) -> None:
    table = Contribution._meta.db_table
    columns = ("order_id",) + _KEY + COUNTERS
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(map(str, row)))
                buffer.write("\n")
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                copy.write(buffer.getvalue())
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                rows,
            )


def _sum_into_cells() -> None:
    # Written in day order, so that a month's cells lie together on disk (a month is read in a
    # few megabytes instead of pages scattered over the whole table); later refreshes append the
    # newest days at the end, which keeps the order.
    key, sums = ", ".join(_KEY), ", ".join(f"SUM({n})" for n in COUNTERS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Cell._meta.db_table} ({key}, {', '.join(COUNTERS)}) "
            f"SELECT {key}, {sums} FROM {Contribution._meta.db_table} GROUP BY {key} ORDER BY {key}"
        )
