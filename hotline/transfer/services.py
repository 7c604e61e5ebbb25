"""Importing a legacy system's orders, and exporting orders in the same columns.

``import_orders`` reads the file twice, streaming: first it checks every row (``legacy``) and
collects the problems, then, if it is asked to write and may, it reads the file again and writes
the orders with their synthesised events (``history``) in one transaction, in batches: COPY on
PostgreSQL, executemany on SQLite. Primary keys are taken in bulk beforehand, so events refer to
their orders without reading anything back. Nothing is half-imported: a problem found while
writing, or an interruption, rolls the whole import back.
"""

import csv
import json
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from itertools import islice
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypedDict, TypeVar, Unpack

from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from hotline.analytics.services import mark_stale_between
from hotline.catalog.choices import OrderType, Urgency
from hotline.catalog.models import Category
from hotline.core import clock
from hotline.core.cache import forget
from hotline.orders.models import Channel, Event, Satisfaction, WorkOrder
from hotline.orders.numbers import reserve_through
from hotline.orders.selectors import order_list
from hotline.orders.workflow import Status
from hotline.org.areas import ResolvedArea
from hotline.org.models import Unit, User
from hotline.org.roles import Role
from hotline.org.selectors import area_index
from hotline.sla import selectors as sla
from hotline.sla.policy import DeadlineKind
from hotline.sla.worktime import Span

from . import history, legacy
from .legacy import COLUMNS, CategoryRef, FileProblem, Lookup, Record, RowError, UnitRef

Progress = Callable[[str], None]
_QUIET: Progress = lambda _: None  # noqa: E731
BATCH = 5_000  # orders per write; their events go with them
_CHECK_NUMBERS = 500  # numbers per query when looking for ones already stored
EXCEL_MAX_ROWS = 1_048_575  # a worksheet's rows, less the header

T = TypeVar("T")


# --- reference data -----------------------------------------------------------------------------


def unit_names() -> dict[int, str]:
    """How each unit is written in a file: its name, or "上级/名称" where the name is not unique."""
    units = list(Unit.objects.select_related("parent").order_by("pk"))
    seen: dict[str, int] = {}
    for u in units:
        seen[u.name] = seen.get(u.name, 0) + 1
    return {
        u.pk: u.name if seen[u.name] == 1 or u.parent is None else f"{u.parent.name}/{u.name}"
        for u in units
    }


def _units(ref: Callable[[Unit], object] = lambda u: u) -> Lookup:
    """Units by name and by "上级/名称"."""
    pairs = []
    for u in Unit.objects.select_related("parent"):
        pairs += [(u.name, ref(u))] + ([(f"{u.parent.name}/{u.name}", ref(u))] if u.parent else [])
    return Lookup(pairs, "单位", "，请写成「上级单位/名称」")


def _reference(now: datetime) -> legacy.Reference:
    categories = []
    for c in Category.objects.all():
        ref = CategoryRef(c.pk, c.code)
        categories += [(c.code, ref), (c.name, ref), (f"{c.group}/{c.name}", ref)]

    @cache
    def spans(order_type: str, code: str, urgency: str) -> dict[DeadlineKind, Span]:
        return sla.spans_for(order_type=order_type, category=code, urgency=urgency)

    return legacy.Reference(
        categories=Lookup(categories, "分类", "，请写分类编码"),
        units=_units(
            lambda u: None if u.kind == Unit.Kind.CENTRE else UnitRef(u.pk, u.name, u.active)
        ),
        now=now,
        tz=timezone.get_default_timezone(),
        spans=spans,
    )


# --- import -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    rows: int = 0  # data rows read (blank rows aside)
    errors: list[RowError] = field(default_factory=list)
    imported: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return len({e.row for e in self.errors})


def import_orders(
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    encoding: str = "utf-8-sig",
    sheet: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress = _QUIET,
    every: int = 100_000,
) -> ImportResult:
    """Check every row of ``path``; then write the orders, unless this is a dry run or a row is
    bad and ``skip_invalid`` was not given (then nothing at all is written).

    Raises FileProblem when the file cannot be read or its headers do not fit; row problems
    are returned in ``errors``, sorted by row.
    """
    forget("org.", "catalog.", "sla.")  # judge the rows by the reference data as it is now
    ref = _reference(clock.now())
    headers, rows = _open(path, encoding, sheet)
    lay = legacy.layout(headers, mapping)
    result = ImportResult(ignored_columns=lay.ignored)
    _check(rows, lay, ref, result, progress, every)
    if dry_run or (result.errors and not skip_invalid):
        return result
    bad = {e.row for e in result.errors}
    _, rows = _open(path, encoding, sheet)
    with transaction.atomic():
        result.imported = _write(
            _good(rows, lay, ref, bad), result.rows - len(bad), ref, progress, every
        )
    return result


def _open(
    path: Path, encoding: str, sheet: str | None
) -> tuple[list[str], Iterator[tuple[int, list]]]:
    rows = legacy.read_rows(path, encoding=encoding, sheet=sheet)
    first = next(rows, None)
    if first is None:
        raise FileProblem(f"{path} 是空的：没有表头，也没有数据")
    return [str(h) for h in first[1]], rows


def _check(
    rows: Iterator[tuple[int, list[legacy.Raw]]],
    lay: legacy.Layout,
    ref: legacy.Reference,
    result: ImportResult,
    progress: Progress,
    every: int,
) -> None:
    """Check each row into ``result``. A number may appear once in the file and must not be
    stored already; stored ones are looked up a batch at a time."""
    first_row: dict = {}
    waiting: list[Record] = []
    column = lay.column("number")
    for row, values in rows:
        result.rows += 1
        if result.rows % every == 0:
            progress(f"已校验 {result.rows:,} 行…")
        record = legacy.check_row(row, values, lay, ref)
        if isinstance(record, list):
            result.errors += record
            continue
        # An int takes less room than its text (a million numbers are held); "007" stays text.
        key = (
            int(record.number)
            if record.number.isdigit() and record.number[0] != "0"
            else record.number
        )
        if key in first_row:
            result.errors.append(
                RowError(row, column, record.number, f"与第 {first_row[key]} 行的工单编号重复")
            )
            continue
        first_row[key] = row
        waiting.append(record)
        if len(waiting) == _CHECK_NUMBERS:
            _check_stored(waiting, column, result)
    _check_stored(waiting, column, result)
    result.errors.sort(key=lambda e: e.row)


def _check_stored(waiting: list[Record], column: str, result: ImportResult) -> None:
    stored = set(
        WorkOrder.objects.filter(number__in=[r.number for r in waiting]).values_list(
            "number", flat=True
        )
    )
    result.errors += [
        RowError(r.row, column, r.number, "系统中已有这个工单编号")
        for r in waiting
        if r.number in stored
    ]
    waiting.clear()


_CHANGED = "文件在校验之后被修改过；已全部撤销，请重新导入"


def _good(
    rows: Iterator[tuple[int, list[legacy.Raw]]],
    lay: legacy.Layout,
    ref: legacy.Reference,
    bad: set[int],
) -> Iterator[Record]:
    """The second reading: the rows found good the first time."""
    for row, values in rows:
        if row not in bad:
            record = legacy.check_row(row, values, lay, ref)
            if isinstance(record, list):
                raise FileProblem(f"第 {row} 行：{_CHANGED}")
            yield record


# --- writing ------------------------------------------------------------------------------------

# Record fields stored as they are in the order's columns of the same name.
_AS_IS = (
    "number",
    "registered_at",
    "channel",
    "order_type",
    "urgency",
    "title",
    "text",
    "caller_name",
    "caller_phone",
    "anonymous",
    "confidential",
    "address",
    "dispatched_at",
    "accepted_at",
    "first_contact_at",
    "replied_at",
    "closed_at",
    "answer",
    "satisfaction",
    "status",
)
_ORDER_COLUMNS = (
    *_AS_IS,
    *history.COLUMNS,
    "id",
    "category_id",
    "unit_id",
    "district_id",
    "street_id",
    "community_id",
)
_EVENT_COLUMNS = (
    "order_id",
    "seq",
    "at",
    "action",
    "from_status",
    "to_status",
    "unit_id",
    "note",
    "payload",
    "actor_role",
)
_OURS = re.compile(r"(\d{8})(\d{5})")  # numbers as the services give them: day + sequence


def _column(field: Field) -> str:
    assert field.column is not None, "a concrete field has its column"
    return field.column


class Table:
    """Rows of one table: the columns the import fills, in the order given, then every other
    column at the model's default (the database has none of its own)."""

    def __init__(
        self,
        model: type[Model],
        given: tuple[str, ...],
        adapt_time: Callable[[datetime], object] | None,
    ):
        fields = {f.attname: f for f in model._meta.concrete_fields}
        rest = [f for name, f in fields.items() if name not in given and not f.primary_key]
        self.name = model._meta.db_table
        self.columns = [_column(fields[name]) for name in given] + [_column(f) for f in rest]
        # Each adapter takes the values of its column's type.
        adapters: dict[str, Callable[[Any], object] | None] = {
            "DateTimeField": adapt_time,
            "JSONField": json.dumps,
        }
        self.adapters = [
            (i, adapt)
            for i, name in enumerate(given)
            if (adapt := adapters.get(fields[name].get_internal_type())) is not None
        ]
        self.rest = [
            self._adapt(f.get_default(), adapters.get(f.get_internal_type())) for f in rest
        ]

    @staticmethod
    def _adapt(value: object, adapt: Callable[[Any], object] | None) -> object:
        return adapt(value) if adapt and value is not None else value

    def row(self, values: Iterable[object]) -> list[object]:
        row = list(values)
        for i, adapt in self.adapters:
            if row[i] is not None:
                row[i] = adapt(row[i])
        row += self.rest
        return row


class Writer:
    """Inserts a batch of orders and their events in bulk, through the database driver itself
    (``insert`` runs on a thread of its own, see ``_Pipeline``)."""

    adapt_time: Callable | None = None  # how the driver wants a datetime; None: as it is

    def __init__(self, cursor: Any, expected: int):  # the driver's own (sqlite3, psycopg)
        self.cursor = cursor
        self.orders = Table(WorkOrder, _ORDER_COLUMNS, self.adapt_time)
        self.events = Table(Event, _EVENT_COLUMNS, self.adapt_time)

    def insert(self, orders: list[list], events: list[list]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        pass


class SqliteWriter(Writer):
    @staticmethod
    def adapt_time(moment: datetime) -> str:
        # As Django stores it (naive UTC text), without its checks on every one of millions of
        # values.
        return str(moment.astimezone(UTC).replace(tzinfo=None))

    def __init__(self, cursor: Any, expected: int):  # the driver's own (sqlite3, psycopg)
        super().__init__(cursor, expected)
        # The transaction holds SQLite's write lock (IMMEDIATE), so nobody else takes these ids.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0), COUNT(*) FROM {self.orders.name}")
        last, stored = cursor.fetchone()
        self.next_id = last + 1
        cursor.execute("PRAGMA cache_size")
        self.cache_size = cursor.fetchone()[0]
        # The default page cache (2 MB) is far smaller than the indexes a large import grows.
        cursor.execute("PRAGMA cache_size = -262144")
        # Building an index once at the end is about twice as fast as growing it row by row; worth
        # it when the import brings more than the tables hold. (DDL is transactional in SQLite: a
        # failed import gets its indexes back with the rollback.)
        self.indexes = []
        if expected > stored:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN (?, ?)",
                [self.orders.name, self.events.name],
            )
            self.indexes = cursor.fetchall()
            for name, _ in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')

    def ids(self, n: int) -> range:
        first, self.next_id = self.next_id, self.next_id + n
        return range(first, self.next_id)

    def insert(self, orders: list[list], events: list[list]) -> None:
        for table, rows in ((self.orders, orders), (self.events, events)):
            marks = ", ".join("?" * len(table.columns))
            self.cursor.executemany(
                f"INSERT INTO {table.name} ({', '.join(table.columns)}) VALUES ({marks})", rows
            )

    def finish(self) -> None:
        for _, sql in self.indexes:
            self.cursor.execute(sql)
        self.cursor.execute(f"PRAGMA cache_size = {int(self.cache_size)}")


class PostgresWriter(Writer):
    def __init__(self, cursor: Any, expected: int):  # the driver's own (sqlite3, psycopg)
        super().__init__(cursor, expected)
        # Check foreign keys as rows arrive rather than queueing millions of checks for the commit.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def ids(self, n: int) -> list[int]:
        self.cursor.execute(
            f"SELECT nextval(pg_get_serial_sequence('{self.orders.name}', 'id')) "
            "FROM generate_series(1, %s)",
            [n],
        )
        return [pk for (pk,) in self.cursor.fetchall()]

    def insert(self, orders: list[list], events: list[list]) -> None:
        for table, rows in ((self.orders, orders), (self.events, events)):
            with self.cursor.copy(
                f"COPY {table.name} ({', '.join(table.columns)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)


class _Pipeline:
    """Hands batches to the writer on a thread of its own, so that the database stores one batch
    while the next is prepared (on PostgreSQL the server's work is most of an import's time).
    The caller must not use the connection until ``close``."""

    def __init__(self, writer: Writer):
        self.writer = writer
        self.error: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.thread = threading.Thread(target=self._run, name="import-writer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (batch := self.queue.get()) is not None:
            if (
                self.error is None
            ):  # after a failure, only drain the queue so that put() never blocks
                try:
                    self.writer.insert(*batch)
                except BaseException as error:  # handed to the caller's thread by put() or close()
                    self.error = error

    def put(self, orders: list[list], events: list[list]) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((orders, events))

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error


_NOWHERE = ResolvedArea()


def _write(
    records: Iterator[Record], expected: int, ref: legacy.Reference, progress: Progress, every: int
) -> int:
    """Write the ``expected`` orders and their events, a batch at a time; then move the day
    counters past the imported numbers."""
    with connection.cursor():  # (also opens the connection: the writer uses the driver's own)
        raw = connection.connection.cursor()
        writer = (PostgresWriter if connection.vendor == "postgresql" else SqliteWriter)(
            raw, expected
        )
        taken = writer.ids(expected)  # all taken now: the connection is the writer's from here on
        ids = iter(taken)
        calendar = sla.work_calendar()
        # Addresses repeat (compounds, streets): each distinct one is resolved once.
        areas = lru_cache(maxsize=200_000)(area_index().resolve)
        order_row, event_row, system = writer.orders.row, writer.events.row, Role.SYSTEM.value
        counters: dict[date, int] = {}
        written = 0
        pipeline = _Pipeline(writer)
        try:
            for batch in iter(lambda: list(islice(zip(ids, records, strict=False), BATCH)), []):
                orders, events = [], []
                for pk, r in batch:
                    spans = (
                        ref.spans(r.order_type, r.category.code, r.urgency)
                        if r.unit and r.category
                        else None
                    )
                    columns, chain = history.synthesise(r, spans, calendar)
                    area = areas(r.address) if r.address else _NOWHERE
                    orders.append(
                        order_row(
                            (
                                *(getattr(r, name) for name in _AS_IS),
                                *(columns[name] for name in history.COLUMNS),
                                pk,
                                r.category and r.category.id,
                                r.unit and r.unit.id,
                                area.district_id,
                                area.street_id,
                                area.community_id,
                            )
                        )
                    )
                    events += [event_row((pk, *e, system)) for e in chain]
                    if (ours := _OURS.fullmatch(r.number)) and (day := _day(ours[1])):
                        counters[day] = max(counters.get(day, 0), int(ours[2]))
                pipeline.put(orders, events)
                written += len(batch)
                if written // every > (written - len(batch)) // every:
                    progress(f"已导入 {written:,} 行…")
        finally:
            pipeline.close()
        if written != expected or next(records, None) is not None:
            raise FileProblem(_CHANGED)
        writer.finish()
        if taken:
            mark_stale_between(taken[0], taken[-1])
        reserve_through(counters.items())
    return written


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


# --- export -------------------------------------------------------------------------------------

# What each column is read from, in the order of legacy.COLUMNS.
_EXPORTED = [
    {"category": "category__code", "unit": "unit_id"}.get(c.field, c.field) for c in COLUMNS
]
_LABELS = {
    "channel": Channel,
    "order_type": OrderType,
    "urgency": Urgency,
    "satisfaction": Satisfaction,
    "status": Status,
}
_TIMES = {"registered_at", *legacy.TIMES}


class ExportFilters(TypedDict):
    """What ``export_filters`` makes of the command line: ``order_list``'s filters."""

    status: str
    channel: str
    unit: Unit | None
    category: str
    since: datetime | None
    until: datetime | None


def export_filters(
    *,
    status: str = "",
    unit: str = "",
    category: str = "",
    channel: str = "",
    since: date | None = None,
    until: date | None = None,
) -> ExportFilters:
    """``order_list`` filters from what was typed: choices by code or label, the unit by name
    (with the units below it), whole local days with ``until`` included. A Problem names the
    bad one."""

    def parse(option: str, value: str, read: Callable[[str], T]) -> T | None:
        try:
            return read(value) if value else None
        except legacy.Problem as problem:
            raise legacy.Problem(f"--{option}「{value}」：{problem}") from None

    if category and not Category.objects.filter(code=category).exists():
        raise legacy.Problem(f"--category「{category}」：没有这个分类编码")
    tz = timezone.get_default_timezone()
    return {
        "status": parse("status", status, lambda v: legacy.PARSERS["status"](v, None)) or "",
        "channel": parse("channel", channel, lambda v: legacy.PARSERS["channel"](v, None)) or "",
        "unit": parse("unit", unit, _units().get),
        "category": category,
        "since": datetime.combine(since, time(), tz) if since else None,
        "until": datetime.combine(until + timedelta(days=1), time(), tz) if until else None,
    }


def export_orders(
    out: Path,
    *,
    excel: bool = False,
    personal_data: bool = False,
    progress: Progress = _QUIET,
    every: int = 100_000,
    **filters: Unpack[ExportFilters],
) -> int:
    """Write the orders ``order_list`` selects with ``filters`` (see ``export_filters``), oldest
    first, in the import's columns; returns how many. A confidential reporter's name and phone
    are never written; phones are masked (138****1234) unless ``personal_data``. The file
    appears whole or not at all."""
    # The command line reads as the centre does: every order.
    orders = order_list(User(is_superuser=True), **filters).order_by("registered_at", "id")
    if excel and (count := orders.count()) > EXCEL_MAX_ROWS:
        raise FileProblem(
            f"共 {count:,} 个工单，超过 Excel 一个工作表的 {EXCEL_MAX_ROWS:,} 行："
            "请导出为 CSV 或分段导出"
        )
    cells = _cells(unit_names(), personal_data, excel)
    rows = (
        cells(dict(zip(_EXPORTED, values, strict=True)))
        for values in orders.values_list(*_EXPORTED).iterator(chunk_size=5_000)
    )
    part = out.with_name(out.name + ".part")
    try:
        written = (_write_excel if excel else _write_csv)(part, _reporting(rows, progress, every))
        part.replace(out)
    finally:
        part.unlink(missing_ok=True)
    return written


def _reporting(rows: Iterator[list], progress: Progress, every: int) -> Iterator[list]:
    for n, row in enumerate(rows, 1):
        if n % every == 0:
            progress(f"已导出 {n:,} 行…")
        yield row


def _cells(units: dict[int, str], personal_data: bool, excel: bool) -> Callable[[dict], list]:
    tz = timezone.get_default_timezone()
    labels = {
        field: {code: str(label) for code, label in choices.choices}
        for field, choices in _LABELS.items()
    }
    blank = None if excel else ""

    def when(moment: datetime) -> datetime | str:
        local = moment.astimezone(tz)
        return local.replace(tzinfo=None) if excel else f"{local:%Y-%m-%d %H:%M:%S}"

    def cells(order: dict) -> list:
        if order["confidential"]:
            order["caller_name"] = order["caller_phone"] = ""
        elif not personal_data:  # the model's rule, without building a model for every row
            order["caller_phone"] = WorkOrder.masked_phone.fget(  # type: ignore[attr-defined]
                SimpleNamespace(caller_phone=order["caller_phone"])
            )
        row: list[object] = []
        for name, value in order.items():
            if value is None or value == "":
                row.append(blank)
            elif name in _TIMES:
                row.append(when(value))
            elif name in labels:
                row.append(labels[name].get(value, value))
            elif name == "unit_id":
                row.append(units[value])
            elif isinstance(value, bool):
                row.append("是" if value else "否")
            else:
                row.append(value)
        return row

    return cells


def _inert(value: object) -> object:
    """Text a spreadsheet would take for a formula (=, +, -, @, tab, carriage return first) gets a
    leading apostrophe, as OWASP advises for CSV; the import takes it off again."""
    return "'" + value if isinstance(value, str) and value[:1] in legacy.FORMULA_START else value


def _write_csv(path: Path, rows: Iterator[list]) -> int:
    # UTF-8 with a byte-order mark: Excel and WPS open it with the Chinese intact.
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(legacy.HEADERS)
        written = 0
        for row in rows:
            writer.writerow([_inert(value) for value in row])
            written += 1
        return written


def _write_excel(path: Path, rows: Iterator[list]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)  # streams rows to the file instead of holding them
    sheet = book.create_sheet("工单")
    sheet.append(legacy.HEADERS)

    def cell(value: object) -> object:
        if not isinstance(value, str):
            return value
        text = WriteOnlyCell(sheet, value)
        text.data_type = "s"  # openpyxl would store "=…" as a formula; a string cell is never run
        return text

    written = 0
    for row in rows:
        sheet.append([cell(value) for value in row])
        written += 1
    book.save(path)
    return written
