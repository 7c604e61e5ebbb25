"""Filling a database with realistic orders and their events, fast (``hotline bench generate``).

The orders are those of the demo city (``hotline.demo``): its units, staff, categories with the
seasons of ``demo.history``, hot spots, duplicate calls and slow units. Each order lives the
life ``demo.history`` gives it (registered, answered on the spot, or dispatched, accepted,
passed down, contacted, extended, replied, reviewed, visited, reopened; some returned, merged
as duplicates or cancelled; late ones urged and supervised by the worker), but written straight
into the tables instead of through the services: the demo's simulation lives about a hundred
orders a second, this writes tens of thousands. The rows are exactly what the services would
have left: every order's status, version and deadlines are the fold of its events
(``orders.projection.project``), the payloads have the services' shapes, deadlines come from the
SLA policies and the real work calendar, and numbers follow the day + sequence scheme with the
day counters moved past them. The history stops at ``end`` ("now"): the last days' orders are
still open in every state.

Speed: times are whole seconds since the epoch, rows are COPY text built with precomputed
strings, working time is a running count of seconds (see ``_Deadlines``), and on
PostgreSQL the text is made in worker processes while the main process streams it with COPY.
Loading into empty tables drops their secondary indexes and foreign keys and builds them again
at the end, in the same transaction (much faster than maintaining their 40-odd indexes and
constraints row by row).
SQLite is written with ``executemany`` through the importer's writer (small amounts: tests).

API: ``generate(orders, months=, end=, seed=, batch=, append=, workers=, progress=)`` →
``Result``; ``demo_city()`` builds or reads back the demo city's structure.
"""

import json
import multiprocessing
import os
import queue
import random
import sqlite3
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from itertools import accumulate
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hotline.catalog.models import Category, Routing
from hotline.catalog.selectors import responsible_unit
from hotline.demo import texts
from hotline.demo.city import (
    DEPARTMENT_SLUGS,
    DISTRICTS,
    SURNAMES,
    DemoCity,
    Profile,
    set_up_city,
)
from hotline.demo.history import (
    CHANNELS,
    CITIZEN_CHANNELS,
    DUPLICATE_CHANCE,
    FREQUENCY,
    HOT_SPOTS,
    HOURS,
    SEASONS,
)
from hotline.orders.deadlines import (
    DEADLINE_FIELDS,
    URGED_STATES,
    cleared_deadlines,
    extended_deadlines,
    next_sweep,
    round_deadlines,
    visit_deadlines,
    waited_deadline,
    warning_span,
    warning_start,
)
from hotline.orders.models import Event, WorkOrder
from hotline.orders.numbers import reserve_through
from hotline.orders.projection import Projection
from hotline.orders.validation import make_title
from hotline.orders.workflow import Status, next_states
from hotline.org.areas import ResolvedArea
from hotline.org.models import Unit, User
from hotline.org.roles import Role
from hotline.org.selectors import area_index
from hotline.sla import selectors as sla
from hotline.sla.policy import DeadlineKind
from hotline.sla.worktime import Span, WorkCalendar, official_workday
from hotline.transfer.services import SqliteWriter, Table

DEFAULT_BATCH = 5_000
MAX_PER_DAY = 99_999  # numbers are day + five digits
Progress = Callable[[str], None]
_T = TypeVar("_T")
if TYPE_CHECKING:
    import psycopg
    from _typeshed import SupportsLenAndGetItem


class Refused(Exception):
    """Nothing was written: the database or the arguments do not allow it."""


@dataclass
class Result:
    orders: int
    events: int
    seconds: float

    @property
    def orders_per_s(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return asdict(self) | {
            "seconds": round(self.seconds, 2),
            "orders_per_s": round(self.orders_per_s, 1),
            "events_per_s": round(self.events / self.seconds if self.seconds else 0.0, 1),
        }


# --- the demo city ------------------------------------------------------------------------------


def demo_city() -> DemoCity:
    """The demo city's structure (units, staff, knowledge base: what ``hotline demo`` sets up
    before it lives through history): built now if the database has no units but the centre,
    else read back. Refused if the units are not the demo city's."""
    if not Unit.objects.exclude(kind=Unit.Kind.CENTRE).exists():
        with transaction.atomic():
            return set_up_city()
    return load_city()


def load_city() -> DemoCity:
    """The demo city as ``build_city`` returned it, read back from the database."""
    first_district = next(iter(DISTRICTS))
    if not Unit.objects.filter(kind=Unit.Kind.DISTRICT, name=first_district).exists():
        raise Refused(
            "这个数据库里的单位不是演示城市的（先在空库上运行，或用 hotline demo 建好演示城市）"
        )
    units = list(Unit.objects.order_by("pk"))
    by_parent: dict[int | None, list[Unit]] = {}
    for u in units:
        by_parent.setdefault(u.parent_id, []).append(u)
    centre = next(u for u in units if u.kind == Unit.Kind.CENTRE)
    city = DemoCity(centre)
    street_slugs = {
        street: slug for streets in DISTRICTS.values() for street, slug, _, _ in streets
    }
    for district in (u for u in by_parent.get(centre.pk, []) if u.kind == Unit.Kind.DISTRICT):
        city.districts.append(district)
        for street in (u for u in by_parent.get(district.pk, []) if u.kind == Unit.Kind.STREET):
            city.streets.append(street)
            slug = city.slugs[street.pk] = street_slugs.get(street.name, f"street{street.pk}")
            city.roads[street.pk] = list(street.names()[1:])
            city.teams[street.pk] = {}
            n = 0
            for child in by_parent.get(street.pk, []):
                if child.kind == Unit.Kind.COMMUNITY:
                    n += 1
                    city.communities.append(child)
                    city.compounds[child.pk] = list(child.names()[1:])
                    city.slugs[child.pk] = f"{slug}-c{n}"
                elif child.kind == Unit.Kind.TEAM:
                    kind = "执法队" if child.enforcement else "环卫所"
                    city.teams[street.pk][kind] = child
                    city.slugs[child.pk] = f"{slug}-{'zf' if child.enforcement else 'hw'}"
    for u in by_parent.get(centre.pk, []):
        if u.kind in (Unit.Kind.DEPARTMENT, Unit.Kind.COMPANY):
            city.departments[u.name] = u
            city.slugs[u.pk] = DEPARTMENT_SLUGS.get(u.name, f"unit{u.pk}")
    for user in User.objects.select_related("unit").order_by("username"):
        if user.role == Role.HANDLER:
            city.handlers.setdefault(_unit_of(user), user)
        elif user.role == Role.LEAD:
            city.leads.setdefault(_unit_of(user), user)
        else:
            city.staff[user.username] = user
    return city


# --- time: whole seconds since the epoch ------------------------------------------------------

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NULL = "\\N"
_NO_DEADLINES: dict[str, int | None] = {}


def _unit_of(user: User) -> int:
    """The unit of a handler or lead (staff of a unit always have one)."""
    assert user.unit_id is not None, user.username
    return user.unit_id


class _Cut(Exception):
    """The next event would happen after the end of the history."""


class _Clock:
    """Epoch seconds ↔ local days, and the texts of times (cached: millions are written).

    ``ts`` is a time as the database column takes it (UTC); ``iso`` as the services record
    deadlines in payloads (local time, ISO 8601). The local zone must keep one offset (Asia/
    Shanghai has since 1991)."""

    def __init__(self, tz: tzinfo, first_day: date, last_day: date, utc_suffix: str):
        offsets = {
            datetime.combine(d, datetime.min.time(), tz).utcoffset() or timedelta()
            for d in (first_day, last_day)
        }
        if len(offsets) != 1:
            raise Refused(f"时区 {tz} 的 UTC 偏移在这段时间内有变化，生成器只支持固定偏移")
        self.tz = tz
        self.off = int(offsets.pop().total_seconds())
        sign, off = ("+" if self.off >= 0 else "-"), abs(self.off)
        self.l0 = first_day.toordinal() - _EPOCH_ORDINAL
        days = last_day.toordinal() - first_day.toordinal() + 1
        self.u0 = self.l0 - 1
        self.ldays = [(first_day + timedelta(i)).isoformat() for i in range(days)]
        self.udays = [
            (date.fromordinal(self.u0 + _EPOCH_ORDINAL) + timedelta(i)).isoformat() + " "
            for i in range(days + 2)
        ]
        clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
        self.tod = [c + utc_suffix for c in clock]
        self.tiso = [f"T{c}{sign}{off // 3600:02d}:{off // 60 % 60:02d}" for c in clock]

    @property
    def first_day(self) -> date:
        return date.fromordinal(self.l0 + _EPOCH_ORDINAL)

    def ts(self, t: int) -> str:
        return self.udays[t // 86400 - self.u0] + self.tod[t % 86400]

    def iso(self, t: int) -> str:
        local = t + self.off
        return self.ldays[local // 86400 - self.l0] + self.tiso[local % 86400]

    def local_day(self, t: int) -> int:
        """The local day as an index of ``ldays``."""
        return (t + self.off) // 86400 - self.l0

    def day_start(self, day: date) -> int:
        return (day.toordinal() - _EPOCH_ORDINAL) * 86400 - self.off

    def moment(self, t: int) -> datetime:
        return datetime.fromtimestamp(t, self.tz)


class _WorkTime:
    """Office hours of working days as a running count of working seconds (``pos``) and back
    (``at``, ``due``), so that "200 working minutes later" is two look-ups. Built from the real
    work calendar."""

    def __init__(self, cal: WorkCalendar, clock: _Clock, first_day: date, days: int):
        self.clock, self.d0 = clock, first_day.toordinal() - _EPOCH_ORDINAL
        self.w: list[int] = []
        self.iv: list[tuple[tuple[int, int], ...]] = []
        total = 0
        for i in range(days):
            day = first_day + timedelta(i)
            self.w.append(total)
            if cal.is_workday(day):
                start = clock.day_start(day)
                spans = tuple(
                    (start + s.hour * 3600 + s.minute * 60, start + e.hour * 3600 + e.minute * 60)
                    for s, e in cal.office_hours
                )
                total += sum(c - o for o, c in spans)
            else:
                spans = ()
            self.iv.append(spans)

    def pos(self, t: int) -> int:
        i = (t + self.clock.off) // 86400 - self.d0
        w = self.w[i]
        for o, c in self.iv[i]:
            if t >= c:
                w += c - o
            else:
                if t > o:
                    w += t - o
                break
        return w

    def at(self, w: int, *, at_close: bool = False) -> int:
        """The moment of working position ``w``: where a day's work ends it is the next opening,
        or (``at_close``) that day's closing."""
        i = (bisect_left if at_close else bisect_right)(self.w, w) - 1
        rem = w - self.w[i]
        for o, c in self.iv[i]:
            if rem <= c - o:
                return o + rem
            rem -= c - o
        raise ValueError("working time beyond the generator's calendar")

    def add(self, t: int, seconds: int) -> int:
        """When someone at a unit acts ``seconds`` working seconds after ``t``."""
        return self.at(self.pos(t) + seconds)

    def due(self, t: int, seconds: int) -> int:
        """``WorkCalendar.add_working_minutes`` (``seconds`` > 0): the earliest moment that many
        working seconds after ``t``, so one that uses up an interval falls at its close."""
        return self.at(self.pos(t) + seconds, at_close=True)


_CALENDAR_UNITS = {"d": 86400, "h": 3600, "min": 60}


class _Deadlines:
    """``WorkCalendar.deadline`` for epoch seconds: working-day deadlines depend only on the
    local day they start, so they are cached per (day, days); working hours are counted on
    ``_WorkTime``; calendar spans are plain arithmetic, as in ``WorkCalendar``."""

    def __init__(self, cal: WorkCalendar, clock: _Clock, work: _WorkTime):
        self.cal, self.clock, self.work = cal, clock, work
        self.by_day: dict[tuple[int, int], int] = {}

    def working_days(self, t: int, days: int) -> int:
        key = (self.clock.local_day(t), days)
        found = self.by_day.get(key)
        if found is None:
            found = self.by_day[key] = int(
                self.cal.add_working_days(self.clock.moment(t), days).timestamp()
            )
        return found

    def __call__(self, t: int, span: Span) -> int:
        unit = span.unit
        if unit == "wd":
            return self.working_days(t, span.amount)
        if unit == "wh":
            return self.work.due(t, span.amount * 3600)
        return t + span.amount * _CALENDAR_UNITS[unit]


# --- what the generator needs to know, read once ------------------------------------------------


class _Actor(NamedTuple):
    """Who takes a step: the event's three actor columns as COPY text, and the role."""

    text: str
    role: str


@dataclass
class _Cat:
    id: int
    code: str
    routing: str
    limit_workdays: int
    order_type: str  # the usual request type
    label: str  # str(category) as JSON, as the services record corrections


@dataclass
class _Place:
    name: str
    district_id: int | None
    street_id: int | None
    community_id: int | None


@dataclass
class _Comm:
    id: int
    street_id: int
    compounds: list[_Place]
    roads: list[_Place]


@dataclass
class _Unit:
    id: int
    name: str
    kind: str
    enforcement: bool
    profile: Profile
    handler: _Actor
    lead: _Actor
    teams: dict[str, int]


def _who(user: User | None, role: str) -> _Actor:
    if user is None:
        return _Actor(f"{_NULL}\t{role}\t{_NULL}", role)
    unit = user.unit_id if user.unit_id else _NULL
    return _Actor(f"{user.pk}\t{user.role}\t{unit}", user.role)


def _copy_text(value: object) -> str:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "1" if value else "0"
    text = value if isinstance(value, str) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _safe(text: str) -> str:
    """A text as a COPY field (the generator's own texts never need escaping; checked anyway)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return _copy_text(text)
    return text


# Columns written, in this order; every other column of the tables gets the model's default.
ORDER_COLUMNS = (
    "id",
    "number",
    "version",
    "status",
    "channel",
    "order_type",
    "category_id",
    "urgency",
    "title",
    "text",
    "caller_name",
    "caller_phone",
    "anonymous",
    "confidential",
    "address",
    "district_id",
    "street_id",
    "community_id",
    "unit_id",
    "handling_unit_id",
    "registered_at",
    "dispatched_at",
    "accepted_at",
    "first_contact_at",
    "replied_at",
    "closed_at",
    "accept_deadline",
    "contact_deadline",
    "finish_deadline",
    "original_finish_deadline",
    "visit_deadline",
    "due_at",
    "warn_at",
    "sweep_at",
    "extension_requested_days",
    "urge_count",
    "last_urged_at",
    "urged_deadline",
    "supervised",
    "supervision_note",
    "answer",
    "resolved",
    "satisfaction",
    "reopen_count",
    "duplicate_of_id",
    "case_number",
    "close_reason",
)
EVENT_COLUMNS = (
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
    "note",
    "payload",
)


class _Tables:
    """The three tables' names, columns and the COPY text of the defaulted columns."""

    def __init__(self) -> None:
        self.orders = Table(WorkOrder, ORDER_COLUMNS, None)
        self.events = Table(Event, EVENT_COLUMNS, None)
        self.order_rest = "".join("\t" + _copy_text(v) for v in self.orders.rest)
        self.event_rest = "".join("\t" + _copy_text(v) for v in self.events.rest)
        through = WorkOrder.cohandlers.through._meta
        self.cohandlers_name = through.db_table
        self.cohandlers_columns = [
            through.get_field("workorder").column,
            through.get_field("unit").column,
        ]


class _Plan:
    """Everything an order's life is drawn from, as plain data (workers inherit it)."""

    def __init__(
        self, city: DemoCity, *, now: int, clock: _Clock, seed: int, orders: int, utc_suffix: str
    ):
        self.now, self.clock, self.seed, self.utc_suffix = now, clock, seed, utc_suffix
        self.tables = _Tables()
        self.escalate = settings.HOTLINE_ESCALATE_AFTER_HOURS * 3600
        cal = sla.work_calendar()
        self.cal = cal
        self.work = _WorkTime(cal, clock, clock.first_day, len(clock.ldays))
        self.deadline = _Deadlines(cal, clock, self.work)
        self.spans: dict[tuple[str, str, str], dict[DeadlineKind, Span]] = {}
        categories = {c.code: c for c in Category.objects.filter(active=True)}
        self._categories(categories)
        self._places(city)
        self._units(city)
        self._catalogue(categories)
        self._people(city, seed, orders)
        self.hours = list(range(24))

    def _categories(self, categories: dict[str, Category]) -> None:
        """The categories, and how often each comes up in each month (seasons)."""
        self.cats = [
            _Cat(
                c.id,
                code,
                c.routing,
                c.limit_workdays,
                texts.usual_type(code),
                json.dumps(str(c), ensure_ascii=False),
            )
            for code, c in sorted(categories.items())
        ]
        self.by_code = {c.code: c for c in self.cats}
        self.cat_cum = [
            list(
                accumulate(
                    FREQUENCY.get(c.code, 1) * SEASONS.get(c.code, [1] * 12)[m] for c in self.cats
                )
            )
            for m in range(12)
        ]

    def _places(self, city: DemoCity) -> None:
        """The communities with their compounds and roads, and the hot spots of each category."""
        index = area_index()

        def place(name: str) -> _Place:
            found = index.resolve(name)
            return _Place(name, found.district_id, found.street_id, found.community_id)

        self.comms = [
            _Comm(
                u.pk,
                street,
                [place(n) for n in city.compounds[u.pk]],
                [place(n) for n in city.roads[street]],
            )
            for u in city.communities
            if (street := u.parent_id) is not None
        ]
        self.comm_cum: dict[tuple[str, int], list[float]] = {}
        for code in {c for _, c, _, _ in HOT_SPOTS}:
            for month in range(1, 13):
                spots = {
                    stem: f
                    for stem, c, f, months in HOT_SPOTS
                    if c == code and (not months or month in months)
                }
                if spots:
                    self.comm_cum[(code, month)] = list(
                        accumulate(
                            spots.get(u.name.removesuffix("社区"), 1.0) for u in city.communities
                        )
                    )

    def _units(self, city: DemoCity) -> None:
        """The units orders go to, their people and how they work."""
        self.units: dict[int, _Unit] = {}
        for u in [
            *city.streets,
            *city.departments.values(),
            *city.communities,
            *(t for teams in city.teams.values() for t in teams.values()),
        ]:
            handler = city.handlers.get(u.pk)
            lead = city.leads.get(u.pk, handler)
            self.units[u.pk] = _Unit(
                u.pk,
                json.dumps(u.name, ensure_ascii=False),
                u.kind,
                u.enforcement,
                city.profile(u),
                _who(handler, Role.HANDLER),
                _who(lead, Role.LEAD),
                {k: t.pk for k, t in city.teams.get(u.pk, {}).items()},
            )
        self.streets = [u.pk for u in city.streets]
        self.departments = [u.pk for u in city.departments.values()]
        self.comm_street = {u.pk: u.parent_id for u in city.communities}

    def _catalogue(self, categories: dict[str, Category]) -> None:
        """The dispatch catalogue, asked once per (category, place)."""
        self.responsible: dict[tuple[str, int | None, int | None], int] = {}
        by_id = {c.id: c for c in categories.values()}
        for comm in self.comms:
            for p in [*comm.compounds, *comm.roads]:
                for cat in self.cats:
                    key = (cat.code, p.street_id, p.community_id)
                    if key in self.responsible:
                        continue
                    if (
                        cat.routing == Routing.HOTLINE
                    ):  # 其他: the dispatcher sends it to the street
                        self.responsible[key] = comm.street_id
                    else:
                        area = ResolvedArea(p.district_id, p.street_id, p.community_id)
                        self.responsible[key] = responsible_unit(by_id[cat.id], area).pk

    def _people(self, city: DemoCity, seed: int, orders: int) -> None:
        """The centre's staff, the citizen and the system, and the callers who call again."""
        staff = city.staff
        self.operators = [
            _who(staff[n], Role.OPERATOR) for n in ("operator", "operator2", "operator3")
        ]
        self.dispatchers = [_who(staff[n], Role.DISPATCHER) for n in ("dispatcher", "dispatcher2")]
        self.visitors = [_who(staff[n], Role.VISITOR) for n in ("visitor", "visitor2")]
        self.supervisor = _who(staff["supervisor"], Role.SUPERVISOR)
        self.citizen, self.system = _who(None, Role.CITIZEN), _who(None, Role.SYSTEM)
        rng = random.Random(f"{seed}:callers")
        self.callers = [_phone(rng) for _ in range(max(300, orders // 200))]

    def spans_of(self, order_type: str, code: str, urgency: str) -> dict[DeadlineKind, Span]:
        """The deadline spans of the policies in force."""
        key = (order_type, code, urgency)
        found = self.spans.get(key)
        if found is None:
            found = self.spans[key] = sla.spans_for(
                order_type=order_type, category=code, urgency=urgency
            )
        return found


class _Random(random.Random):
    """Draws an index as ``int(random() * n)``: as uniform as a history needs, and several times
    faster than the exact ``randrange`` (a third of the draws of a life are indices)."""

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if step != 1:
            raise ValueError("only whole ranges are drawn")
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def choice(self, seq: "SupportsLenAndGetItem[_T]") -> _T:
        return seq[int(self.random() * len(seq))]


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


# --- making the rows ---------------------------------------------------------------------------


@dataclass
class _Day:
    ordinal: int  # date ordinal
    first: int  # index of its first order among all
    count: int
    base: int  # the day counter before: its orders are numbered base+1 …
    start: int  # epoch of local midnight
    limit: int  # seconds of the day the history covers (less than 86400 on its last day)


@dataclass
class _Batch:
    index: int
    orders: int
    events: int
    order_text: str | bytes  # COPY text (encoded when made by a worker process)
    event_text: str | bytes
    cohandler_text: str | bytes
    counters: dict[int, int]  # day ordinal → last sequence number used


@dataclass
class _Master:
    """A recent order that a duplicate call may be merged into."""

    t0: int
    pk: int
    number: str
    code: str
    comm: _Comm
    place: _Place
    order_type: str
    urgency: str
    open_until: int  # until it first closed (or forever)


_FOREVER = 2**62
_SATISFACTION = ("satisfied",) * 3 + ("basically",)
_RETURN_REASONS = ["不属于本单位职责", "地址不在本辖区", "应由产权单位负责"]
_EXTENSION_REASONS = ["需协调多个部门", "涉及维修工程，需采购材料", "需等待天气条件"]
_CANCEL_REASONS = ["骚扰电话", "无实质内容", "测试来电"]
_WAYS = ["电话", "电话", "短信", "上门"]
_SOLVED = "已到现场处理完毕，问题已解决。"
_UNSOLVED = "已向市民解释相关政策，问题需纳入计划逐步解决。"
# Every step the transition table allows: an order's life is a walk through it. States as plain
# strings: they are written into millions of rows, and an enum member formats several times slower.
_STEPS = {step: str(to) for step, to in next_states().items() if to is not None}
# The deadline each state waits for (``deadlines.waited_deadline``), looked up once per state.
_WAITED = {status.value: waited_deadline(status) for status in Status}


class _Maker:
    """Makes the rows of one batch of orders (in a worker process, or in the caller's)."""

    def __init__(self, plan: _Plan, days: list[_Day], first_pk: int):
        self.plan, self.days, self.first_pk = plan, days, first_pk
        self.day_firsts = [d.first for d in days]
        self.numbers = {d.ordinal: date.fromordinal(d.ordinal).strftime("%Y%m%d") for d in days}
        self.register_payload = {ch: json.dumps({"channel": ch}) for ch, _ in CHANNELS}
        self.channels = [ch for ch, _ in CHANNELS]
        self.channel_cum = list(accumulate(w for _, w in CHANNELS))
        self.rng: random.Random = _Random()
        self.ring: list[_Master] = []  # recent orders a duplicate call may be merged into
        self.events = 0

    # -- registration times of a day: drawn for the whole day, whichever batch needs them
    def _times(self, day: _Day) -> list[int]:
        rng = random.Random(f"{self.plan.seed}:day:{day.ordinal}")
        cum = [w * max(0, min(3600, day.limit - h * 3600)) / 3600 for h, w in enumerate(HOURS)]
        cum = list(accumulate(cum))
        total, hours = cum[-1], self.plan.hours
        out = []
        for _ in range(day.count):
            h = hours[bisect_right(cum, rng.random() * total)]
            out.append(
                day.start + h * 3600 + rng.randrange(max(1, min(3600, day.limit - h * 3600)))
            )
        out.sort()
        return out

    def batch(self, index: int, first: int, count: int) -> _Batch:
        self.rng = _Random(f"{self.plan.seed}:batch:{index}")
        self.events = 0
        self.ring = []
        rows = _Rows()
        counters: dict[int, int] = {}
        i = bisect_right(self.day_firsts, first) - 1
        g, stop = first, first + count
        while g < stop:
            day = self.days[i]
            times = self._times(day)
            upto = min(stop, day.first + day.count)
            prefix, month = self.numbers[day.ordinal], date.fromordinal(day.ordinal).month
            for k in range(g - day.first, upto - day.first):
                seq = day.base + k + 1
                pk = self.first_pk + day.first + k
                life = _Life(self, pk, f"{prefix}{seq:05d}", times[k], month)
                life.live()
                self.events += life.write(rows)
                counters[day.ordinal] = seq
            g = upto
            i += 1
        return _Batch(
            index,
            count,
            self.events,
            "".join(rows.orders),
            "".join(rows.events),
            "".join(rows.cohandlers),
            counters,
        )


@dataclass
class _Rows:
    orders: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    cohandlers: list[str] = field(default_factory=list)


@dataclass
class _Request:
    """What the citizen asks, where, and how the call came in."""

    cat: _Cat
    comm: _Comm
    place: _Place
    order_type: str
    urgency: str
    text: str
    confidential: bool
    master: _Master | None = None
    t_merge: int = 0


class _Life:
    """One order's life, lived as the demo's are: each step is an action of the transition table
    (``workflow.next_states``), taken by someone with a role the table allows, folded as the
    projection folds events (``Projection.apply``) and timed by the worker's sweeps; its
    deadlines are those of ``orders.deadlines``. ``live`` walks it; ``write`` adds its rows."""

    # The columns as a new order has them (class attributes: most lives change a few of them).
    unit: _Unit  # from the first dispatch on (``unit_s`` says whether it is with one now)
    handling: _Unit | None = None
    cohandler: _Unit | None = None
    unit_s = _NULL
    dispatched_at: int | None = None
    accepted_at: int | None = None
    contact_at: int | None = None
    replied_at: int | None = None
    closed_at: int | None = None
    due: int | None = None
    due_since: int | None = None
    extension_days: int | None = None
    urge_count = 0
    last_urged: int | None = None
    urged: int | None = None
    supervised = False
    supervision_note = ""
    answer = ""
    resolved: bool | None = None
    satisfaction = ""
    reopen_count = 0
    duplicate_of: int | None = None
    case_number = ""
    close_reason = ""

    def __init__(self, maker: _Maker, pk: int, number: str, t0: int, month: int):
        self.maker, self.P, self.rng = maker, maker.plan, maker.rng
        self.rand, self.randrange = self.rng.random, self.rng.randrange
        self.pk, self.pk_s, self.number, self.t0 = pk, str(pk), number, t0
        self.request = self._draw_request(month)
        self._draw_caller()
        r = self.request
        self.spans = self.P.spans_of(r.order_type, r.cat.code, r.urgency)
        self.normal = r.urgency == "normal"
        # The fold of the events so far, and the order's columns as those events leave them.
        self.fold: Projection[int] = Projection()
        self.lines: list[str] = []
        self.last = t0
        self.category = self.guess

    # --- what comes in -----------------------------------------------------------------------

    def _draw_request(self, month: int) -> _Request:
        """A duplicate of a recent call (merged soon after, while its master is open), or a new
        problem in a category of the season, at a hot spot or anywhere."""
        P, rand, randrange, rng, t0 = self.P, self.rand, self.randrange, self.rng, self.t0
        ring = self.maker.ring
        if ring:
            m = ring[randrange(len(ring))]
            if t0 - m.t0 < 129600 and rand() < DUPLICATE_CHANCE.get(m.code, 0.04):
                t_merge = t0 + 180 + randrange(2220)
                if t_merge < m.open_until:
                    ring.remove(m)
                    cat = P.by_code[m.code]
                    text = texts.request_text(rng, cat.code, m.place.name)
                    return _Request(
                        cat, m.comm, m.place, m.order_type, m.urgency, text, False, m, t_merge
                    )
        cat = P.cats[bisect_right(P.cat_cum[month - 1], rand() * P.cat_cum[month - 1][-1])]
        spots = P.comm_cum.get((cat.code, month))
        comm = P.comms[
            bisect_right(spots, rand() * spots[-1]) if spots else randrange(len(P.comms))
        ]
        if rand() < 0.2:
            place = comm.roads[randrange(len(comm.roads))]
            address = f"{place.name}{randrange(1, 301)}号"
        else:
            place = comm.compounds[randrange(len(comm.compounds))]
            address = f"{place.name}{randrange(1, 31)}栋{randrange(1, 7)}单元"
        place = _Place(address, place.district_id, place.street_id, place.community_id)
        order_type, urgency = cat.order_type, "normal"
        text = texts.request_text(rng, cat.code, address)
        if rand() < 0.12 and (urgent := texts.urgent_text(rng, cat.code, address)):
            urgency, text = urgent
            order_type = "help"
        elif order_type in ("help", "complaint") and rand() < 0.2:
            order_type = "complaint" if order_type == "help" else "help"
        confidential = order_type == "report" and rand() < 0.4
        return _Request(cat, comm, place, order_type, urgency, text, confidential)

    def _draw_caller(self) -> None:
        """The channel, the caller, and who at the centre takes the order in and sends it on;
        the category the registration guessed (None: none yet)."""
        P, rand, randrange, maker = self.P, self.rand, self.randrange, self.maker
        self.channel = maker.channels[
            bisect_right(maker.channel_cum, rand() * maker.channel_cum[-1])
        ]
        self.phone = P.callers[randrange(len(P.callers))] if rand() < 0.06 else _phone(self.rng)
        self.caller = (
            ""
            if rand() < 0.04
            else f"{SURNAMES[randrange(len(SURNAMES))]}{'先生' if rand() < 0.5 else '女士'}"
        )
        self.citizen = self.channel in CITIZEN_CHANNELS
        self.operator = P.operators[randrange(3)]
        self.dispatcher = P.dispatchers[randrange(2)]
        self.guess: _Cat | None = self.request.cat
        if self.citizen or rand() < 0.12:
            self.guess = None if self.citizen or rand() < 0.5 else P.cats[randrange(len(P.cats))]

    # --- the steps ---------------------------------------------------------------------------

    def _sweep(self, until: int) -> None:
        """What the worker (sweeping every hour) did before ``until``: urge once per missed
        deadline, supervise when still overdue a day after."""
        P = self.P
        after = (self.last // 3600 + 1) * 3600  # the worker's first sweep after the last event
        while self.fold.status in URGED_STATES and self.due is not None:
            if self.urged != self.due:
                assert self.due_since is not None  # set with ``due``
                at = max((max(self.due, self.due_since) // 3600 + 1) * 3600, after)
                if at >= until:
                    return
                deadline = P.clock.iso(self.due)
                payload = f'{{"auto": true, "deadline": "{deadline}"}}'
                self.step(at, "urge", P.system, "系统自动催办：已超时", payload, swept=False)
                self.urge_count, self.last_urged, self.urged = self.urge_count + 1, at, self.due
            elif not self.supervised and self.last_urged is not None:
                at = max(self.last_urged + P.escalate + 3600, after)
                if at >= until:
                    return
                note = f"催办后 {P.escalate // 3600} 小时仍未办结，系统转督办"
                self.step(at, "supervise", P.system, note, swept=False)
                self.supervised, self.supervision_note = True, note
            else:
                return

    def step(
        self,
        at: int,
        action: str,
        who: _Actor,
        note: str = "",
        payload: str = "{}",
        deadlines: Mapping[str, int | None] | None = None,
        unit_to: str | None = None,
        *,
        swept: bool = True,
    ) -> int:
        """Take one step of the table, no earlier than the last one and after what the worker did
        meanwhile (``swept``: the worker's own steps are not swept again); ``_Cut`` if it falls
        after the history's end."""
        if at < self.last:
            at = self.last
        fold, P = self.fold, self.P
        before = fold.status or ""
        if swept and before in URGED_STATES:
            self._sweep(at)
        if at > P.now:
            raise _Cut
        text, role = who
        to = _STEPS.get((action, before, role))
        if to is None:
            raise AssertionError(f"the table has no step {action} from {before!r} by {role}")
        if unit_to is not None:
            self.unit_s = unit_to
        seq = fold.version + 1
        fold.apply(seq, before, to, deadlines or _NO_DEADLINES)
        self.lines.append(
            f"{self.pk_s}\t{seq}\t{P.clock.ts(at)}\t{action}\t{before}\t{to}\t"
            f"{text}\t{self.unit_s}\t{note}\t{payload}{P.tables.event_rest}\n"
        )
        self.last = at
        name = _WAITED[to]
        due = fold.deadlines[name] if name else None
        if due != self.due:
            self.due, self.due_since = due, at
        return at

    # --- time ----------------------------------------------------------------------------------

    def _due(self, name: str) -> int:
        """A deadline the order has now (the table's steps so far have set it)."""
        due = self.fold.deadlines[name]
        assert due is not None, name
        return due

    def minutes(self, low: float, high: float) -> int:
        return int((low + self.rand() * (high - low)) * 60)

    def unit_time(self, start: int, low: float, high: float) -> int:
        """``low``-``high`` working minutes after ``start`` (units keep office hours); urgent
        orders have people on duty and are far quicker."""
        if self.normal:
            return self.P.work.add(start, self.minutes(low, high))
        return start + self.minutes(low / 8, high / 8)

    def on_the_way(self, deadline: int, share: float) -> int:
        """``share`` of the (working) time left until ``deadline``."""
        last, work = self.last, self.P.work
        if deadline <= last:
            return last
        if not self.normal:
            return last + int((deadline - last) * share)
        a = work.pos(last)
        return work.at(a + int((work.pos(deadline) - a) * share))

    # --- payloads ------------------------------------------------------------------------------

    def changed(self, payload: str = "") -> str:
        """The category correction the first classification records ("" if none); the caller
        corrects ``category`` once the event is written."""
        cat = self.request.cat
        if self.category is cat:
            return payload
        old = self.category.label if self.category is not None else "null"
        fragment = f'"changed": {{"category": {{"from": {old}, "to": {cat.label}}}}}'
        return f"{fragment}, {payload}" if payload else fragment

    def recorded(self, deadlines: Mapping[str, int | None]) -> str:
        """The ``"deadlines"`` member of a payload, as the services record them."""
        iso = self.P.clock.iso
        inner = ", ".join(
            f'"{k}": "{iso(v)}"' if v is not None else f'"{k}": null' for k, v in deadlines.items()
        )
        return f'"deadlines": {{{inner}}}'

    # --- the life ------------------------------------------------------------------------------

    def live(self) -> None:
        """Register, then merge, cancel, answer on the spot or hand to units; the worker's
        sweeps until the end of the history."""
        P, r, rand = self.P, self.request, self.rand
        try:
            who = P.citizen if self.citizen else self.operator
            self.step(self.t0, "register", who, payload=self.maker.register_payload[self.channel])
            cat = r.cat
            if r.master is not None:
                master = r.master
                payload = f'{{"master": {master.pk}, "master_number": "{master.number}"}}'
                self.step(r.t_merge, "merge", self.dispatcher, "同一问题重复来电", payload)
                self.duplicate_of, self.closed_at = master.pk, r.t_merge
            elif rand() < 0.01:
                reason = _CANCEL_REASONS[self.randrange(3)]
                at = self.step(self.t0 + self.minutes(5, 30), "cancel", self.dispatcher, reason)
                self.close_reason, self.closed_at = reason, at
            elif (
                r.order_type == "praise"
                or (r.order_type == "consultation" and rand() < 0.85)
                or cat.routing == Routing.HOTLINE
                and r.order_type != "suggestion"
            ):
                self._answer_on_the_spot()
            else:
                self._handle()
        except _Cut:
            pass
        try:
            self._sweep(P.now + 1)
        except _Cut:
            pass

    def _answer_on_the_spot(self) -> None:
        r = self.request
        answer = f"已按知识库答复市民：{r.text[:40]}……市民表示清楚。"
        payload = self.changed(f'"article": "KB-{r.cat.code}"')
        at = self.t0 + self.minutes(2, 8)
        at = self.step(at, "answer_on_the_spot", self.operator, _safe(answer), f"{{{payload}}}")
        self.answer, self.closed_at, self.resolved, self.category = answer, at, True, r.cat

    def _handle(self) -> None:
        """Reviewed perhaps, dispatched to the responsible unit (perhaps with a co-handler), and
        handled in rounds until visited or closed; a dispatched order may be the master that
        later calls about the same problem are merged into."""
        P, r, rand = self.P, self.request, self.rand
        at = self.t0 + self.minutes(3, 45)
        if rand() < 0.08:
            self.step(at, "review", self.dispatcher, "", f"{{{self.changed()}}}")
            self.category = r.cat
            at += self.minutes(2, 20)
        unit = P.units[P.responsible[(r.cat.code, r.place.street_id, r.place.community_id)]]
        co_unit = None
        if r.cat.routing == Routing.LOCAL and rand() < 0.04:
            co_unit = P.units[P.departments[self.randrange(len(P.departments))]]
        self._dispatch(at, unit, co_unit, self.changed())
        self.category = r.cat
        entry = None
        if r.master is None and rand() < 0.5:
            entry = _Master(
                self.t0, self.pk, self.number, r.cat.code, r.comm, r.place, r.order_type,
                r.urgency, _FOREVER,
            )  # fmt: skip
            ring = self.maker.ring
            ring.append(entry)
            if len(ring) > 40:
                del ring[0]
        self.first_closed = _FOREVER
        try:
            first_round = True
            while self._round(first_round):
                first_round = False
        finally:
            if entry is not None:
                entry.open_until = self.first_closed

    def _dispatch(self, at: int, unit: _Unit, co_unit: _Unit | None, head: str = "") -> None:
        deadlines = round_deadlines(at, self.spans, self.P.deadline, reopened=False)
        co = f"[{co_unit.id}]" if co_unit else "[]"
        payload = (
            f'{{{head + ", " if head else ""}"unit": {unit.id}, "unit_name": {unit.name}, '
            f'"cohandlers": {co}, {self.recorded(deadlines)}}}'
        )
        self.step(at, "dispatch", self.dispatcher, "", payload, deadlines, str(unit.id))
        self.unit, self.cohandler, self.dispatched_at = unit, co_unit, at

    def _round(self, first_round: bool) -> bool:
        """One unit's handling, from dispatch to the visit; True if the citizen had it reopened."""
        if first_round and self.rand() < self.unit.profile.returns:
            self._return()
        profile = self.unit.profile
        slow = self.rand() < profile.slow_accept
        when = self.unit_time(self.last, 130, 600) if slow else self.unit_time(self.last, 3, 100)
        self.accepted_at = self.step(when, "accept", self.unit.handler)
        worker = self._pass_down()
        self._contact_and_assist(worker)
        self._extension(worker)
        if self.rand() < 0.005 and not self.supervised:
            note = "群众反映强烈，请主要负责人牵头办理，限期办结"
            self.step(self.last + self.minutes(60, 600), "supervise", self.P.supervisor, note)
            self.supervised, self.supervision_note = True, note
        solved = self.rand() > profile.unresolved
        self._reply_until_approved(worker, solved)
        return self._visit(solved)

    def _return(self) -> None:
        """The unit asks to give the order back; the centre agrees and sends it to another unit
        of the same kind, or refuses."""
        P, unit = self.P, self.unit
        at = self.unit_time(self.last, 10, 180)
        self.step(at, "request_return", unit.handler, _RETURN_REASONS[self.randrange(3)])
        at = self.last + self.minutes(20, 240)
        if self.rand() >= 0.7:
            note = "经核实属于本单位职责，请继续办理"
            self.step(at, "reject_return", self.dispatcher, note)
            return
        cleared = cleared_deadlines()
        payload = f'{{"previous_unit": {unit.id}, {self.recorded(cleared)}}}'
        note = "同意退回，重新派单"
        self.step(at, "approve_return", self.dispatcher, note, payload, cleared, _NULL)
        self.handling = self.cohandler = None
        kind = P.streets if unit.kind == Unit.Kind.STREET else P.departments
        others = [u for u in kind if u != unit.id]
        to = P.units[others[self.randrange(len(others))]]
        self._dispatch(self.last + self.minutes(5, 40), to, None)

    def _pass_down(self) -> _Unit:
        """A street passes some orders down to its teams or a community (下派); who works it."""
        P, unit, code = self.P, self.unit, self.request.cat.code
        if unit.kind != Unit.Kind.STREET or self.rand() >= 0.35:
            return unit
        teams = unit.teams
        if code.startswith("01."):
            sub = teams["执法队"]
        elif code.startswith("02."):
            sub = teams["环卫所"]
        elif P.comm_street[self.request.comm.id] == unit.id:
            sub = self.request.comm.id
        else:
            sub = list(teams.values())[self.randrange(len(teams))]
        sub_unit = P.units[sub]
        payload = f'{{"handling_unit": {sub_unit.id}, "handling_unit_name": {sub_unit.name}}}'
        self.step(self.last + self.minutes(5, 60), "pass_down", unit.lead, "", payload)
        self.handling = sub_unit
        return sub_unit

    def _contact_and_assist(self, worker: _Unit) -> None:
        """First contact with the caller (先行联系), the co-handler's opinion, and perhaps a
        complaint turned into an enforcement case (诉转案)."""
        rand, profile = self.rand, self.unit.profile
        if self.phone:
            late = rand() < profile.slow_contact
            at = self.unit_time(self.last, 500, 1400) if late else self.unit_time(self.last, 5, 300)
            way = _WAYS[self.randrange(4)]
            payload = f'{{"way": "{way}", "first": {"false" if self.contact_at else "true"}}}'
            at = self.step(at, "record_contact", worker.handler, "", payload)
            self.contact_at = self.contact_at or at
        if self.cohandler is not None:
            at = self.unit_time(self.last, 60, 900)
            self.step(at, "assist", self.cohandler.handler, "已配合现场核查，提供相关资料。")
        if worker.enforcement and rand() < 0.12:
            at = self.last + self.minutes(30, 300)
            number = f"ZF{self.P.clock.iso(at)[:10].replace('-', '')}{self.randrange(10000):04d}"
            self.step(at, "convert_to_case", worker.handler, "", f'{{"case_number": "{number}"}}')
            self.case_number = number

    def _extension(self, worker: _Unit) -> None:
        """Long jobs ask for more working days (申请延期); mostly granted, then a stage reply is
        due by the original deadline."""
        P, rand, unit = self.P, self.rand, self.unit
        if rand() >= unit.profile.extension + (0.3 if self.request.cat.limit_workdays >= 15 else 0):
            return
        days = (3, 5, 5, 10)[self.randrange(4)]
        finish, original = self._due("finish"), self._due("original_finish")
        at = self.on_the_way(finish, 0.5)
        reason = _EXTENSION_REASONS[self.randrange(3)]
        self.step(at, "request_extension", unit.lead, reason, f'{{"days": {days}}}')
        self.extension_days = days
        at = self.last + self.minutes(30, 300)
        if rand() < 0.85:
            moved = extended_deadlines(finish, days, P.deadline.working_days)
            payload = f'{{"days": {days}, {self.recorded(moved)}}}'
            self.step(at, "approve_extension", self.dispatcher, "", payload, moved)
            self.extension_days = None
            at = self.on_the_way(original, 0.5 + rand() * 0.45)
            note = "已现场查看，正在协调处理，预计延期内办结。"
            self.step(at, "stage_reply", worker.handler, note)
        else:
            note = "时限内可以办结，请抓紧办理"
            self.step(at, "deny_extension", self.dispatcher, note, f'{{"days": {days}}}')
            self.extension_days = None

    def _reply_until_approved(self, worker: _Unit, solved: bool) -> None:
        """The reply, on time or late; the centre sends some back to be written again."""
        rand, profile = self.rand, self.unit.profile
        result = _SOLVED if solved else _UNSOLVED
        while True:
            finish = self._due("finish")
            if rand() < profile.late:
                if self.normal:
                    at = self.unit_time(finish, 30, 2400)
                else:
                    at = finish + self.minutes(30 / 8, 2400 / 8)
            else:
                at = self.on_the_way(finish, 0.15 + rand() * 0.8)
            if at <= self.last:  # past the deadline already: some time later
                at = self.unit_time(self.last, 10, 240)
            payload = '{"solved": true}' if solved else '{"solved": false}'
            at = self.step(at, "reply", worker.handler, result, payload)
            self.answer, self.replied_at = result, at
            at = self.last + self.minutes(20, 300)
            if rand() < 0.04:
                self.step(at, "reject_reply", self.dispatcher, "回复内容不完整，请补充处理过程")
                self.replied_at = None
                continue
            visit = visit_deadlines(at, self.spans, self.P.deadline)
            self.step(
                at, "approve_reply", self.dispatcher, "", f"{{{self.recorded(visit)}}}", visit
            )
            return

    def _visit(self, solved: bool) -> bool:
        """The return visit (回访) between 9:00 and 20:00, or closing without one; an unsatisfied
        citizen may have it reopened (重办) once: True then."""
        P, rand, profile = self.P, self.rand, self.unit.profile
        at = self.last + self.minutes(60, 2400)
        local = (at + P.clock.off) % 86400
        if not 32400 <= local < 72000:
            morning = at - local + 32400 + self.minutes(0, 90)
            at = morning if local < 32400 else morning + 86400
        if not self.phone or rand() < 0.04:
            reason = "无联系方式或三次回访未接通"
            at = self.step(at, "close", self.dispatcher, reason)
            self.close_reason, self.closed_at = reason, at
            self.first_closed = min(self.first_closed, at)
            return False
        unsatisfied = rand() < profile.unsatisfied * (3 if not solved else 0.6)
        grade = "unsatisfied" if unsatisfied else _SATISFACTION[self.randrange(4)]
        ok = solved and not unsatisfied
        payload = f'{{"resolved": {"true" if ok else "false"}, "satisfaction": "{grade}"}}'
        at = self.step(at, "visit", P.visitors[self.randrange(2)], "", payload)
        self.resolved, self.satisfaction, self.closed_at = ok, grade, at
        self.first_closed = min(self.first_closed, at)
        if not unsatisfied or self.reopen_count >= 1 or rand() < 0.35:
            return False
        at = self.last + self.minutes(5, 60)
        deadlines = round_deadlines(at, self.spans, P.deadline, reopened=True)
        payload = f'{{"reopen_count": {self.reopen_count + 1}, {self.recorded(deadlines)}}}'
        note = "市民表示问题未解决，不满意"
        self.step(at, "reopen", P.visitors[self.randrange(2)], note, payload, deadlines)
        self.reopen_count += 1
        self.closed_at, self.resolved, self.satisfaction, self.handling = None, None, "", None
        self.dispatched_at, self.accepted_at, self.contact_at, self.replied_at = (
            at,
            None,
            None,
            None,
        )
        self.extension_days = None
        return True

    # --- the rows ------------------------------------------------------------------------------

    def _waiting(self) -> tuple[str, str]:
        """(``warn_at``, ``sweep_at``) as COPY text: the warning point of the deadline the order
        waits for, and the worker's next look at it."""
        P, status, due = self.P, self.fold.status, self.due
        if due is None:
            return _NULL, _NULL
        assert status is not None and self.due_since is not None  # an order waits for ``due``
        span = warning_span(status, self.spans, reopened=self.reopen_count > 0)
        start = warning_start(
            status, dispatched_at=self.dispatched_at, waiting_since=self.due_since
        )
        assert start is not None  # a unit's deadline runs from its dispatch
        moment = P.clock.moment
        warn = P.cal.warning_point(moment(start), moment(due), span.on_working_time)
        sweep = next_sweep(
            status,
            due=due,
            urged=self.urged,
            supervised=self.supervised,
            last_urged=self.last_urged,
            escalate=lambda at: at + P.escalate,
        )
        text = warn.astimezone(UTC).replace(tzinfo=None).isoformat(" ") + P.utc_suffix
        return text, _NULL if sweep is None else P.clock.ts(sweep)

    def write(self, rows: _Rows) -> int:
        """Add the order's row, its events and its co-handler; the number of events."""
        P, r, ts = self.P, self.request, self.P.clock.ts
        status = self.fold.status
        assert status is not None  # every life starts with its registration
        warn, sweep_at = self._waiting()
        deadlines = self.fold.deadlines
        moments = (
            self.dispatched_at, self.accepted_at, self.contact_at, self.replied_at, self.closed_at,
            *[deadlines[name] for name in DEADLINE_FIELDS], self.due,
        )  # fmt: skip

        def i(x: int | None) -> str:
            return _NULL if x is None else str(x)

        row = "\t".join(
            (
                self.pk_s, self.number, str(self.fold.version), status, self.channel,
                r.order_type, _NULL if self.category is None else str(self.category.id),
                r.urgency, _safe(make_title(r.text)), _safe(r.text), self.caller, self.phone,
                "0" if self.caller else "1", "1" if r.confidential else "0", _safe(r.place.name),
                i(r.place.district_id), i(r.place.street_id), i(r.place.community_id),
                self.unit_s, i(self.handling.id if self.handling is not None else None),
                ts(self.t0),
                *[_NULL if x is None else ts(x) for x in moments],
                warn, sweep_at, i(self.extension_days), str(self.urge_count),
                *[_NULL if x is None else ts(x) for x in (self.last_urged, self.urged)],
                "1" if self.supervised else "0", self.supervision_note, _safe(self.answer),
                _NULL if self.resolved is None else ("1" if self.resolved else "0"),
                self.satisfaction, str(self.reopen_count), i(self.duplicate_of),
                self.case_number, self.close_reason,
            )
        )  # fmt: skip
        rows.orders.append(f"{row}{P.tables.order_rest}\n")
        rows.events += self.lines
        if self.cohandler is not None:
            rows.cohandlers.append(f"{self.pk_s}\t{self.cohandler.id}\n")
        return len(self.lines)


# --- planning the whole run --------------------------------------------------------------------


def _months_before(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    for d in range(day.day, 0, -1):
        try:
            return date(y, m, d)
        except ValueError:
            continue
    raise AssertionError(day)


def _days(
    orders: int,
    first: date,
    end_day: date,
    end_seconds: int,
    clock: _Clock,
    counters: dict[date, int],
) -> list[_Day]:
    """The days of the history with their share of the orders (weekdays and holidays, busier
    months; the last day only up to the end), as ``demo.history`` weighs them."""
    days, weights = [], []
    day = first
    while day <= end_day:
        limit = 86400 if day < end_day else end_seconds
        if limit > 0:
            hours = sum(
                w * max(0, min(3600, limit - h * 3600)) / 3600 for h, w in enumerate(HOURS)
            ) / sum(HOURS)
            weights.append(
                (1.1 if official_workday(day) else 0.72)
                * (1.1 if day.month in (1, 7, 8, 12) else 1.0)
                * hours
            )
            days.append((day, limit))
        day += timedelta(days=1)
    if not days:
        raise Refused("时间范围为空：--end 之前没有可生成工单的时间")
    scale = orders / sum(weights)
    exact = [w * scale for w in weights]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(days)), key=lambda i: exact[i] - counts[i], reverse=True)[
        : orders - sum(counts)
    ]:
        counts[i] += 1
    out, first_index = [], 0
    for (day, limit), count in zip(days, counts, strict=True):
        base = counters.get(day, 0)
        if base + count > MAX_PER_DAY:
            raise Refused(
                f"{day} 一天要编 {base + count:,} 个工单号，超过 {MAX_PER_DAY:,}："
                "请用更长的 --months"
            )
        out.append(_Day(day.toordinal(), first_index, count, base, clock.day_start(day), limit))
        first_index += count
    return out


_Made: TypeAlias = "multiprocessing.Queue[_Batch | BaseException | None]"


def _encoded(text: str | bytes) -> bytes:
    return text.encode() if isinstance(text, str) else text


def _worker(maker: _Maker, batches: list[tuple[int, int, int]], out: _Made) -> None:
    """A worker process (forked: it has the plan already): makes its batches in order."""
    try:
        for spec in batches:
            made = maker.batch(*spec)
            # Encoded here rather than by the writer, whose process has the database to feed.
            made.order_text, made.event_text = _encoded(made.order_text), _encoded(made.event_text)
            made.cohandler_text = _encoded(made.cohandler_text)
            out.put(made)
        out.put(None)
    except BaseException as error:  # reported to the parent, which stops
        import traceback

        out.put(RuntimeError(f"generator worker failed: {error!r}\n{traceback.format_exc()}"))


class _Batches:
    """The batches in order: made here (``workers`` 0) or by forked workers, batch i by worker
    i % workers, each a few batches ahead of the writer."""

    def __init__(self, maker: _Maker, specs: list[tuple[int, int, int]], workers: int):
        self.maker, self.specs, self.workers = maker, specs, workers
        self.procs: list[multiprocessing.process.BaseProcess] = []
        self.queues: list[_Made] = []
        if workers:
            context = multiprocessing.get_context("fork")
            for w in range(workers):
                q = context.Queue(maxsize=3)
                p = context.Process(
                    target=_worker,
                    args=(maker, specs[w::workers], q),
                    daemon=True,
                    name=f"bench-generate-{w}",
                )
                p.start()
                self.procs.append(p)
                self.queues.append(q)

    def __iter__(self) -> Iterator[_Batch]:
        for n, spec in enumerate(self.specs):
            if not self.workers:
                yield self.maker.batch(*spec)
                continue
            q, p = self.queues[n % self.workers], self.procs[n % self.workers]
            while True:
                try:
                    item = q.get(timeout=1)
                    break
                except queue.Empty:
                    if not p.is_alive():
                        raise RuntimeError(
                            f"generator worker {p.name} died (exit code {p.exitcode})"
                        ) from None
            if isinstance(item, BaseException):
                raise item
            if item is None:
                raise RuntimeError(f"generator worker {p.name} ended before its batches")
            yield item

    def close(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.terminate()
            p.join()


# --- writing -----------------------------------------------------------------------------------


def _one(cur: "psycopg.Cursor[Any]") -> tuple[Any, ...]:
    row = cur.fetchone()
    assert row is not None  # an aggregate's one row
    return row


class _PostgresLoad:
    """COPY into the tables; into empty tables, without their secondary indexes and foreign keys,
    which are built again at the end (same transaction: an interruption leaves them as they
    were)."""

    def __init__(self, raw: "psycopg.Connection", tables: _Tables, bare: bool, progress: Progress):
        self.raw, self.tables, self.progress = raw, tables, progress
        self.rebuild: list[str] = []
        names = [tables.orders.name, tables.events.name, tables.cohandlers_name]
        cur = raw.cursor()
        # Check foreign keys as rows arrive rather than queueing millions of checks for the
        # commit; this also runs the checks still pending in the transaction, without which
        # the tables could not be altered.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if bare:
            cur.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype "
                "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u')",
                [names],
            )
            constraints = cur.fetchall()
            cur.execute(
                "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
                "WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c "
                "WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)",
                [names],
            )
            indexes = cur.fetchall()
            for kind in ("f", "u"):
                for table, name, _, contype in constraints:
                    if contype == kind:
                        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cur.execute(f"DROP INDEX {name}")
            self.rebuild = [sql for _, sql in indexes] + [
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                for kind in ("u", "f")
                for table, name, definition, contype in constraints
                if contype == kind
            ]
        self.cur = cur

    def reserve(self, n: int) -> int:
        """The first of ``n`` consecutive order ids, taken from the sequence at once."""
        cur = self.cur
        cur.execute(f"LOCK TABLE {self.tables.orders.name} IN SHARE ROW EXCLUSIVE MODE")
        cur.execute(f"SELECT pg_get_serial_sequence('{self.tables.orders.name}', 'id')")
        (sequence,) = _one(cur)
        cur.execute(
            f"SELECT GREATEST(COALESCE(MAX(id), 0), "
            f"(SELECT CASE WHEN is_called THEN last_value ELSE "
            f"last_value - 1 END FROM {sequence})) FROM {self.tables.orders.name}"
        )
        (last,) = _one(cur)
        cur.execute("SELECT setval(%s, %s)", [sequence, last + n])
        return last + 1

    def write(self, batch: _Batch) -> None:
        t = self.tables
        for name, columns, text in (
            (t.orders.name, t.orders.columns, batch.order_text),
            (t.events.name, t.events.columns, batch.event_text),
            (t.cohandlers_name, t.cohandlers_columns, batch.cohandler_text),
        ):
            if text:
                with self.cur.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(text)

    def finish(self) -> None:
        if not self.rebuild:
            return
        self.progress(f"重建 {len(self.rebuild)} 个索引和约束…")
        self.cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        took = []
        for sql in self.rebuild:
            started = time.monotonic()
            self.cur.execute(sql)
            took.append((time.monotonic() - started, sql))
        slowest = max(took)
        self.progress(
            f"  用时 {sum(t for t, _ in took):.1f} 秒"
            f"（最慢 {slowest[0]:.1f} 秒：{slowest[1][:90]}）"
        )


class _SqliteLoad:
    """executemany through the importer's writer (which drops and rebuilds the indexes of a
    large load and takes ids after the largest)."""

    def __init__(self, raw: sqlite3.Cursor, tables: _Tables, expected: int):
        self.tables = tables
        self.writer = SqliteWriter(raw, expected)
        self.writer.orders, self.writer.events = tables.orders, tables.events
        self.raw = raw

    def reserve(self, n: int) -> int:
        return self.writer.ids(n)[0]

    @staticmethod
    def _rows(text: str | bytes) -> list[list[str | None]]:
        assert isinstance(text, str)  # made in this process: SQLite takes no workers
        return [[None if v == _NULL else v for v in line.split("\t")] for line in text.splitlines()]

    def write(self, batch: _Batch) -> None:
        self.writer.insert(self._rows(batch.order_text), self._rows(batch.event_text))
        if batch.cohandler_text:
            t = self.tables
            self.raw.executemany(
                f"INSERT INTO {t.cohandlers_name} ({', '.join(t.cohandlers_columns)}) "
                "VALUES (?, ?)",
                self._rows(batch.cohandler_text),
            )

    def finish(self) -> None:
        self.writer.finish()


# --- the run -------------------------------------------------------------------------------------


@dataclass
class _Window:
    """The history's span: from ``first`` (a local day) to ``end`` (its local moment)."""

    first: date
    end: datetime
    now: int  # ``end`` in epoch seconds
    clock: _Clock
    utc_suffix: str


def _window(end: date | datetime | None, months: int, postgres: bool) -> _Window:
    tz = timezone.get_default_timezone()
    if end is None:
        end_moment = timezone.now()
    elif isinstance(end, datetime):
        end_moment = end
    else:
        end_moment = datetime.combine(end, datetime.min.time(), tz)
    end_local = end_moment.astimezone(tz)
    first = _months_before(end_local.date(), months)
    utc_suffix = "+00" if postgres else ""
    clock = _Clock(
        tz, first - timedelta(days=2), end_local.date() + timedelta(days=200), utc_suffix
    )
    return _Window(first, end_local, int(end_moment.timestamp()), clock, utc_suffix)


def _day_counters(first: date) -> dict[date, int]:
    """The numbers already taken on each day of the history (appending)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT day, last FROM orders_dailycounter WHERE day >= %s", [first])
        return {
            (d if isinstance(d, date) else date.fromisoformat(d)): last
            for d, last in cursor.fetchall()
        }


def generate(
    orders: int,
    *,
    months: int = 24,
    end: date | datetime | None = None,
    seed: int = 12345,
    batch: int = DEFAULT_BATCH,
    append: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Result:
    """Write ``orders`` orders of the demo city with their events, registered over the ``months``
    before ``end`` and lived through until ``end`` (a datetime; a date means its midnight, so
    the history covers the days before it; default now). Builds the demo city's structure first
    if the database has no units. Refused (nothing written) when the database holds orders
    already, unless ``append``.

    ``workers``: processes making rows while the database loads them (PostgreSQL only; default
    1 on two cores, else the cores less one; 0 makes them in this process). ``batch``: orders
    per COPY. ``progress`` gets a line now and then (rates, ETA)."""
    say = progress or (lambda _: None)
    if orders < 1 or months < 1 or batch < 1:
        raise Refused("--orders, --months 和 --batch 都必须是正整数")
    if not append and WorkOrder.objects.exists():
        raise Refused(
            f"数据库里已有 {WorkOrder.objects.count():,} 个工单；要在其后追加请加 --append"
        )
    started = time.monotonic()
    postgres = connection.vendor == "postgresql"
    if not postgres and connection.vendor != "sqlite":
        raise Refused(f"不支持的数据库：{connection.vendor}")
    window = _window(end, months, postgres)
    if workers is None:
        workers = (
            0 if not postgres or orders < 20_000 else max(1, min(4, (os.cpu_count() or 2) - 1))
        )
    if not postgres:
        workers = 0

    # All or nothing, the demo city included: a refusal or an interruption leaves no trace.
    with transaction.atomic():
        city = demo_city()
        say(f"演示城市就绪（{time.monotonic() - started:.1f} 秒）")
        e = window.end
        seconds = e.hour * 3600 + e.minute * 60 + e.second
        days = _days(
            orders, window.first, e.date(), seconds, window.clock, _day_counters(window.first)
        )
        plan = _Plan(
            city,
            now=window.now,
            clock=window.clock,
            seed=seed,
            orders=orders,
            utc_suffix=window.utc_suffix,
        )
        raw = connection.connection
        bare = postgres and not WorkOrder.objects.exists()
        load = (
            _PostgresLoad(raw, plan.tables, bare, say)
            if postgres
            else _SqliteLoad(raw.cursor(), plan.tables, orders)
        )
        maker = _Maker(plan, days, load.reserve(orders))
        specs = [
            (n, start, min(batch, orders - start))
            for n, start in enumerate(range(0, orders, batch))
        ]
        say(
            f"生成 {orders:,} 个工单：{window.first} 至 {e:%Y-%m-%d %H:%M}，{len(specs)} 批，"
            f"{workers or '本'}{'个' if workers else ''}进程生成，{connection.vendor}"
        )
        written, events, counters = _write(load, _Batches(maker, specs, workers), orders, say)
        load.finish()
        reserve_through((date.fromordinal(d), last) for d, last in counters.items())
    _analyze(plan.tables, say)
    return Result(written, events, time.monotonic() - started)


def _write(
    load: "_PostgresLoad | _SqliteLoad", batches: _Batches, orders: int, say: Progress
) -> tuple[int, int, dict[int, int]]:
    """Feed the batches to the database as they come; (orders, events, last number of each
    day)."""
    written = events = 0
    counters: dict[int, int] = {}
    load_started = last_said = time.monotonic()
    try:
        for made in batches:
            load.write(made)
            written += made.orders
            events += made.events
            counters.update(made.counters)
            now_t = time.monotonic()
            if now_t - last_said >= 5 or written == orders:
                last_said = now_t
                elapsed = now_t - load_started
                rate = written / elapsed if elapsed else 0
                eta = (orders - written) / rate if rate else 0
                say(
                    f"  {written:>12,} / {orders:,} 工单  {events:>13,} 事件  "
                    f"{rate:8,.0f} 工单/秒  "
                    f"{events / elapsed if elapsed else 0:9,.0f} 事件/秒  剩余约 {eta:5.0f} 秒"
                )
    finally:
        batches.close()
    say(f"  写入用时 {time.monotonic() - load_started:.1f} 秒")
    return written, events, counters


def _analyze(tables: _Tables, say: Progress) -> None:
    started = time.monotonic()
    with connection.cursor() as cursor:
        for table in (
            tables.orders.name,
            tables.events.name,
            tables.cohandlers_name,
            "orders_dailycounter",
        ):
            cursor.execute(f"ANALYZE {table}")
    say(f"ANALYZE 用时 {time.monotonic() - started:.1f} 秒")
