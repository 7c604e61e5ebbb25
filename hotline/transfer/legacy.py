"""Order files of a legacy system (pure: no database): the columns, how a file's headers map to
them, reading the rows of a CSV or Excel file, and checking each row into a typed ``Record`` or
a list of problems that name the row and the column.

Rules a row must follow (each broken rule is one ``RowError``):

- 工单编号, 登记时间 and 诉求内容 are required; the number has at most 20 letters, digits, '-'
  or '_'. Choice columns take the code or the Chinese label (电话 / phone, 投诉 / complaint…);
  empty means the default (电话, 求助, 一般). 分类 is a taxonomy code (03.04) or a category name;
  承办单位 a unit name ("上级/名称" where several units share the name); the centre's own name
  means "no unit" (answered by the centre).
- Times are local times "2026-03-05 09:07[:00]" (also with '/', or ISO 8601 with an offset);
  a date without a time, or a time after the import started, is refused.
- 状态, when empty, follows from the last time given (办结 → 已办结, 回复 → 已回复待审, 签收 →
  办理中, 派单 → 已派单, else 已登记). Each status needs the times of the steps that lead to it
  and no later ones; the steps are in time order (登记 ≤ 派单 ≤ 签收 ≤ 先行联系 ≤ 回复 ≤ 办结).
  A dispatched order needs a unit and a category; a reply needs its result (办理结果); 是否解决
  belongs to closed orders, 满意度 to those a unit handled (the visit). Orders closed without a
  unit were answered on the spot (the result is required); 已作废 orders have no unit. 待派单,
  退单待审 and 已并单 are not imported.
"""

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Generic, TypeVar

from django.db.models import TextChoices

from hotline.catalog.choices import OrderType, Urgency
from hotline.core.errors import InvalidInput
from hotline.orders.models import Channel, Satisfaction
from hotline.orders.validation import MAX_TEXT, clean_phone, clean_text, make_title
from hotline.orders.workflow import Status
from hotline.sla.policy import DeadlineKind
from hotline.sla.worktime import Span

V = TypeVar("V")
Raw = str | datetime  # a cell as read: text, or a time from a workbook


class FileProblem(Exception):
    """The file as a whole cannot be read (format, encoding, headers, mapping): nothing is read."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Problem(Exception):
    """One value that cannot be accepted."""


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the Chinese header, which the export writes
    aliases: tuple[str, ...] = ()
    required: bool = False


COLUMNS = (
    Column("number", "工单编号", ("编号", "工单号"), required=True),
    Column("registered_at", "登记时间", ("受理时间", "来电时间"), required=True),
    Column("channel", "渠道", ("来源渠道", "诉求渠道")),
    Column("order_type", "诉求类型", ("类型",)),
    Column("category", "分类", ("诉求分类", "分类编码")),
    Column("urgency", "紧急程度"),
    Column("title", "标题", ("诉求标题",)),
    Column("text", "诉求内容", ("内容", "来电内容"), required=True),
    Column("caller_name", "来电人", ("联系人", "诉求人")),
    Column("caller_phone", "联系电话", ("电话", "来电号码")),
    Column("anonymous", "匿名"),
    Column("confidential", "举报人保密", ("保密",)),
    Column("address", "地址", ("诉求地址", "事发地址")),
    Column("unit", "承办单位", ("办理单位",)),
    Column("dispatched_at", "派单时间"),
    Column("accepted_at", "签收时间"),
    Column("first_contact_at", "先行联系时间", ("首次联系时间",)),
    Column("replied_at", "回复时间"),
    Column("answer", "办理结果", ("答复内容", "回复内容")),
    Column("resolved", "是否解决", ("解决情况",)),
    Column("satisfaction", "满意度"),
    Column("closed_at", "办结时间", ("结案时间",)),
    Column("status", "状态", ("工单状态",)),
)
BY_FIELD = {c.field: c for c in COLUMNS}
HEADERS = [c.header for c in COLUMNS]
IGNORE = "-"  # --map 'header=-' leaves a column out
# The steps of an order in time order, each dated by its column.
TIMES = (
    "registered_at",
    "dispatched_at",
    "accepted_at",
    "first_contact_at",
    "replied_at",
    "closed_at",
)


def _key(header: str) -> str:
    return "".join(str(header).split()).lower()


_KNOWN = {_key(name): c.field for c in COLUMNS for name in (c.field, c.header, *c.aliases)}


# --- headers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where each field stands in the file's rows, and the header it has there."""

    index: dict[str, int]
    headers: dict[str, str]
    ignored: list[str]

    def column(self, field: str) -> str:
        return self.headers.get(field, BY_FIELD[field].header)


def parse_mapping(text: str) -> dict[str, str]:
    """``'旧表头=field,旧表头2=登记时间'`` → {旧表头: field, ...}; a target may be a field name,
    one of our headers, or '-' (leave the column out)."""
    mapping = {}
    for part in filter(None, (p.strip() for p in re.split(r"[,，\n]", text))):
        header, sep, target = part.rpartition("=")
        if not sep or not header.strip():
            raise FileProblem(f"列对应关系「{part}」应写成「原表头=字段」")
        mapping[header.strip()] = target.strip()
    return mapping


def layout(headers: Sequence[str], mapping: Mapping[str, str] | None = None) -> Layout:
    """Map the file's headers to fields: ``mapping`` first, then our headers, their aliases and
    the English field names (case and spaces ignored). Headers that match nothing are ignored."""
    given = mapping or {}
    mapping = {_key(h): t for h, t in given.items()}
    problems: list[str] = []
    index: dict[str, int] = {}
    named: dict[str, str] = {}
    ignored: list[str] = []
    present = {_key(h) for h in headers}
    for header in given:
        if _key(header) not in present:
            problems.append(f"列对应关系中的「{header}」不是文件中的表头")
    for position, header in enumerate(headers):
        target = mapping.get(_key(header))
        if target == IGNORE or not str(header).strip():
            continue
        field = _KNOWN.get(_key(target if target is not None else header))
        if field is None:
            if target is not None:
                problems.append(
                    f"「{header}={target}」：没有「{target}」这个字段，可选：{'、'.join(BY_FIELD)}"
                )
            ignored.append(str(header))
        elif field in index:
            problems.append(
                f"第 {index[field] + 1} 列「{named[field]}」"
                f"和第 {position + 1} 列「{header}」都对应"
                f"「{BY_FIELD[field].header}」；请用 --map '{header}=-' 去掉其中一列"
            )
        else:
            index[field], named[field] = position, str(header)
    for column in COLUMNS:
        if column.required and column.field not in index:
            problems.append(
                f"缺少必填列「{column.header}」（也可用 --map '原表头={column.field}' 指定）"
            )
    if problems:
        raise FileProblem("表头有误：\n" + "\n".join(problems))
    return Layout(index, named, ignored)


# --- reading ------------------------------------------------------------------------------------


def read_rows(
    path: Path, *, encoding: str = "utf-8-sig", sheet: str | None = None
) -> Iterator[tuple[int, list]]:
    """(row number, values) of every row that is not blank, the header row included. Numbers
    are as a spreadsheet shows them (the header is row 1). Excel cells keep their times."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise FileProblem("不支持旧版 Excel（.xls）文件：请另存为 .xlsx 或 CSV")
    rows = (
        _excel_rows(path, sheet)
        if suffix in (".xlsx", ".xlsm")
        else _csv_rows(path, encoding, suffix)
    )
    for number, values in enumerate(rows, 1):
        if any(v not in (None, "") for v in values):
            yield number, values


def _csv_rows(path: Path, encoding: str, suffix: str) -> Iterator[list]:
    try:
        with open(path, encoding=encoding, newline="") as f:
            reader = csv.reader(f, delimiter="\t" if suffix == ".tsv" else ",")
            try:
                yield from reader
            except UnicodeDecodeError:
                raise FileProblem(
                    f"第 {reader.line_num + 1} 行附近的内容不是 {encoding} 编码；"
                    "国标编码的文件请加 --encoding gb18030"
                ) from None
            except csv.Error as error:
                raise FileProblem(f"第 {reader.line_num} 行不是有效的 CSV：{error}") from None
    except (OSError, LookupError) as error:
        raise FileProblem(f"无法读取 {path}：{error}") from None


def _excel_rows(path: Path, sheet: str | None) -> Iterator[list]:
    from openpyxl import load_workbook  # only Excel input pays for the import

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise FileProblem(f"无法作为 Excel 工作簿读取 {path}：{error}") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise FileProblem(f"工作簿中没有工作表「{sheet}」，现有：{'、'.join(book.sheetnames)}")
        for values in book[sheet] if sheet else book.worksheets[0]:
            yield [_cell(c.value) for c in values]
    finally:
        book.close()


def _cell(value: object) -> Raw:
    """An Excel cell as the text a CSV would hold; times stay datetimes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value
    return str(value)


# --- values -------------------------------------------------------------------------------------


class Lookup(Generic[V]):
    """Names → values. A name shared by different values is refused rather than guessed."""

    def __init__(self, pairs: Iterable[tuple[str, V]], what: str, hint: str = ""):
        self.what, self.hint = what, hint
        self._values: dict[str, V] = {}
        self._shared: set[str] = set()
        for name, value in pairs:
            if self._values.setdefault(name, value) != value:
                self._shared.add(name)

    def get(self, name: str) -> V:
        if name in self._shared:
            raise Problem(f"有多个{self.what}叫「{name}」{self.hint}")
        try:
            return self._values[name]
        except KeyError:
            raise Problem(f"没有这个{self.what}：「{name}」") from None


@dataclass(frozen=True)
class UnitRef:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class CategoryRef:
    id: int
    code: str


@dataclass(frozen=True)
class Reference:
    """What rows are checked against. ``units`` gives None for the centre; ``spans`` raises
    LookupError when no deadline policy covers an order."""

    categories: Lookup[CategoryRef]
    units: Lookup[UnitRef | None]  # None: the centre
    now: datetime
    tz: tzinfo
    spans: Callable[[str, str, str], dict[DeadlineKind, Span]]


# What a spreadsheet reads as a formula at the start of a cell; the export puts an apostrophe
# before it in CSV files (see transfer.services._inert), and the import takes that off.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(max_length: int, required: bool = False) -> Callable[[Raw, Reference | None], str]:
    def parse(value: Raw, ref: Reference | None) -> str:
        value = str(value)
        if value[:1] == "'" and value[1:2] in FORMULA_START:
            value = value[1:]
        if value.isprintable():  # the common case, without clean_text's walk over each character
            value = value.strip()
            if value and len(value) <= max_length:
                return value
        try:
            return clean_text(value, "", required=required, max_length=max_length)
        except InvalidInput as error:
            raise Problem(error.errors[""]) from None

    return parse


_NUMBER = re.compile(r"[0-9A-Za-z_-]{1,20}")
_MASKED = re.compile(r"\d{3}\*+\d{4}")


def _number(value: Raw, ref: Reference | None) -> str:
    value = str(value).strip()
    if not value:
        raise Problem("不能为空")
    if not _NUMBER.fullmatch(value):
        raise Problem("工单编号只能由字母、数字、'-'、'_' 组成，最多 20 位")
    return value


def _phone(value: Raw, ref: Reference | None) -> str:
    if _MASKED.fullmatch(str(value).strip()):
        raise Problem("电话号码已脱敏，无法导入（导出时加 --personal-data 可得到完整号码）")
    try:
        return clean_phone(str(value))
    except InvalidInput as error:
        raise Problem(error.errors["caller_phone"]) from None


def _choice(
    choices: type[TextChoices], default: str = ""
) -> Callable[[Raw, Reference | None], str]:
    names = {}
    for code, label in choices.choices:
        names.update({code: code, code.lower(): code, str(label): code})
    allowed = "、".join(f"{label}（{code}）" for code, label in choices.choices)

    def parse(value: Raw, ref: Reference | None) -> str:
        value = str(value).strip()
        if not value:
            return default
        try:
            return names.get(value) or names[value.lower()]
        except KeyError:
            raise Problem(f"无效的取值，可选：{allowed}") from None

    return parse


_FLAGS = {
    "是": True,
    "否": False,
    "已解决": True,
    "未解决": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
}


def _flag(default: bool | None) -> Callable[[Raw, Reference | None], bool | None]:
    def parse(value: Raw, ref: Reference | None) -> bool | None:
        value = str(value).strip().lower()
        if not value:
            return default
        if value not in _FLAGS:
            raise Problem("应填写「是」或「否」")
        return _FLAGS[value]

    return parse


_LOOSE_TIME = re.compile(
    r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2})(?:\.\d+)?秒?)?)?"
)


def _time(required: bool = False) -> Callable[[Raw, Reference], datetime | None]:
    def parse(value: Raw, ref: Reference) -> datetime | None:
        if isinstance(value, datetime):
            moment = value
        elif not (value := value.strip()):
            if required:
                raise Problem("不能为空")
            return None
        else:
            moment = _parse_time(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ref.tz)
        if moment > ref.now:
            raise Problem("晚于导入时刻")
        return moment

    return parse


def _parse_time(text: str) -> datetime:
    if len(text) > 10:  # 10 characters or fewer would be a date alone
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    match = _LOOSE_TIME.fullmatch(text)
    if match is None or match[4] is None:
        raise Problem(
            "时间格式不正确，应为「2026-03-05 09:07」或「2026-03-05 09:07:30」"
            if match is None
            else "只有日期没有时刻，应为「2026-03-05 09:07」"
        )
    try:
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise Problem("不是有效的日期时间") from None


def _category(value: Raw, ref: Reference) -> CategoryRef | None:
    value = str(value).strip()
    return ref.categories.get(value) if value else None


def _unit(value: Raw, ref: Reference) -> UnitRef | None:
    value = str(value).strip()
    return ref.units.get(value) if value else None


PARSERS: dict[str, Callable] = {
    "number": _number,
    "registered_at": _time(required=True),
    "channel": _choice(Channel, Channel.PHONE),
    "order_type": _choice(OrderType, OrderType.HELP),
    "category": _category,
    "urgency": _choice(Urgency, Urgency.NORMAL),
    "title": _text(100),
    "text": _text(MAX_TEXT, required=True),
    "caller_name": _text(50),
    "caller_phone": _phone,
    "anonymous": _flag(False),
    "confidential": _flag(False),
    "address": _text(200),
    "unit": _unit,
    "dispatched_at": _time(),
    "accepted_at": _time(),
    "first_contact_at": _time(),
    "replied_at": _time(),
    "answer": _text(MAX_TEXT),
    "resolved": _flag(None),
    "satisfaction": _choice(Satisfaction),
    "closed_at": _time(),
    "status": _choice(Status),
}


# --- rows ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Record:
    """One checked row, typed; ``status`` is the one given or the one the times imply."""

    row: int
    number: str
    registered_at: datetime
    channel: str
    order_type: str
    category: CategoryRef | None
    urgency: str
    title: str
    text: str
    caller_name: str
    caller_phone: str
    anonymous: bool
    confidential: bool
    address: str
    unit: UnitRef | None
    dispatched_at: datetime | None
    accepted_at: datetime | None
    first_contact_at: datetime | None
    replied_at: datetime | None
    answer: str
    resolved: bool | None
    satisfaction: str
    closed_at: datetime | None
    status: str


assert [f.name for f in fields(Record)][1:] == list(PARSERS), "a parser for each field, in order"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the header as it is in the file
    value: str
    message: str


def check_row(row: int, values: Sequence, lay: Layout, ref: Reference) -> Record | list[RowError]:
    """The row as a Record, or every problem found in it (one per column at most)."""
    raw = {field: values[i] if i < len(values) else "" for field, i in lay.index.items()}
    parsed, errors = {}, []
    for field, parse in PARSERS.items():
        value = raw.get(field, "")
        try:
            parsed[field] = parse(value, ref)
        except Problem as problem:
            errors.append(RowError(row, lay.column(field), show(value), str(problem)))
    if errors:
        return errors
    record = Record(row=row, **parsed)
    record.title = record.title or make_title(record.text)
    found: dict[str, str] = {}
    for field, message in _inconsistencies(record, ref):
        found.setdefault(field, message)  # the first problem of a column is enough to fix it
    return [
        RowError(row, lay.column(field), show(raw.get(field, "")), message)
        for field, message in found.items()
    ] or record


def show(value: object) -> str:
    """A value as the report shows it."""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, UnitRef):
        return value.name
    if isinstance(value, CategoryRef):
        return value.code
    return "" if value is None else str(value)


# The times each status needs, with a unit and without one; a status missing here cannot be
# reached that way.
_WITH_UNIT: dict[str, tuple[str, ...]] = {
    Status.DISPATCHED: TIMES[:2],
    Status.ACCEPTED: TIMES[:3],
    Status.REPLIED: (*TIMES[:3], "replied_at"),
    Status.PENDING_VISIT: (*TIMES[:3], "replied_at"),
    Status.CLOSED: (*TIMES[:3], "replied_at", "closed_at"),
}
_WITHOUT_UNIT: dict[str, tuple[str, ...]] = {
    Status.REGISTERED: TIMES[:1],
    Status.CLOSED: ("registered_at", "closed_at"),  # answered on the spot
    Status.CANCELLED: ("registered_at", "closed_at"),
}
_NOT_IMPORTED = {Status.PENDING_DISPATCH, Status.RETURNED, Status.MERGED}
_REPLIED = {Status.REPLIED, Status.PENDING_VISIT, Status.CLOSED}


def _implied_status(r: Record) -> str:
    for field, status in (
        ("closed_at", Status.CLOSED),
        ("replied_at", Status.REPLIED),
        ("accepted_at", Status.ACCEPTED),
        ("dispatched_at", Status.DISPATCHED),
    ):
        if getattr(r, field) is not None:
            return status
    return Status.REGISTERED


def _inconsistencies(r: Record, ref: Reference) -> Iterator[tuple[str, str]]:
    """(field, message) for each rule across columns that the row breaks."""
    given = bool(r.status)
    r.status = r.status or _implied_status(r)
    label = f"状态「{Status(r.status).label}」" + ("" if given else "（由各时间推断）")
    if r.status in _NOT_IMPORTED:
        yield "status", f"不能导入{label}的工单：请在原系统中处理完毕后再导入"
        return
    steps = (_WITH_UNIT if r.unit else _WITHOUT_UNIT).get(r.status)
    if steps is None or (not r.unit and r.dispatched_at):
        yield (
            "unit",
            (
                f"{label}的工单不应有承办单位"
                if r.unit
                else "有派单时间的工单需要承办单位"
                if r.dispatched_at
                else f"{label}的工单需要承办单位"
            ),
        )
        return
    allowed = {*steps, "first_contact_at"} if "accepted_at" in steps else set(steps)
    for field in TIMES:
        at = getattr(r, field)
        if at is None and field in steps:
            yield field, f"{label}的工单需要填写{BY_FIELD[field].header}"
        elif at is not None and field not in allowed:
            yield (
                field,
                f"{label}{'' if r.unit else '、没有承办单位'}的工单不应有{BY_FIELD[field].header}",
            )
    present = [f for f in TIMES if getattr(r, f) is not None]
    for before, after in zip(present, present[1:], strict=False):
        if getattr(r, after) < getattr(r, before):
            yield after, f"早于{BY_FIELD[before].header}（{show(getattr(r, before))}）"
    if r.status in _REPLIED and not r.answer:
        yield "answer", f"{label}的工单需要填写办理结果"
    elif r.answer and r.status not in (
        *_REPLIED,
        Status.CANCELLED,
    ):  # a cancelled order's is its reason
        yield "answer", f"{label}的工单尚未回复，不应有办理结果"
    if r.satisfaction and (r.status != Status.CLOSED or not r.unit):
        yield "satisfaction", "只有回访过的工单（已办结且有承办单位）才有满意度"
    if r.resolved is not None and r.status != Status.CLOSED:
        yield "resolved", f"{label}的工单尚未办结，不应有是否解决"
    if r.unit:
        yield from _unit_rules(r, ref)


def _unit_rules(r: Record, ref: Reference) -> Iterator[tuple[str, str]]:
    if r.category is None:
        yield "category", "派单的工单需要分类"
        return
    if r.unit is not None and not r.unit.active and r.status != Status.CLOSED:
        yield "unit", f"「{r.unit.name}」已停用，不能承办未办结的工单"
    try:
        ref.spans(r.order_type, r.category.code, r.urgency)
    except LookupError as error:
        yield "category", f"没有适用的时限规定：{error}"


def read_mapping_file(path: Path) -> dict[str, str]:
    """A JSON object {"原表头": "字段", ...} (the same targets as ``parse_mapping``)."""
    try:
        mapping = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as error:
        raise FileProblem(f"无法读取列对应文件 {path}：{error}") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise FileProblem(f'列对应文件 {path} 应是一个 JSON 对象：{{"原表头": "字段"}}')
    return mapping
