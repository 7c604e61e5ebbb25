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
strings, deadlines are cached per (day, span) or per minute (see ``_Deadlines``), and on
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
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hotline.catalog.models import Category, Routing
from hotline.catalog.selectors import responsible_unit
from hotline.demo import texts
from hotline.demo.city import DEPARTMENT_SLUGS, DISTRICTS, SURNAMES, DemoCity, build_city
from hotline.demo.history import (
    _CHANNELS,
    _CITIZEN_CHANNELS,
    _HOURS,
    DUPLICATE_CHANCE,
    FREQUENCY,
    HOT_SPOTS,
    SEASONS,
)
from hotline.demo.management.commands.demo import KNOWLEDGE
from hotline.knowledge.services import import_articles
from hotline.orders.models import Event, WorkOrder
from hotline.orders.numbers import reserve_through
from hotline.orders.validation import make_title
from hotline.org.areas import ResolvedArea
from hotline.org.models import Unit, User
from hotline.org.roles import Role
from hotline.org.selectors import area_index
from hotline.sla import selectors as sla
from hotline.sla.policy import DeadlineKind
from hotline.sla.worktime import official_workday
from hotline.transfer.services import _SqliteWriter, _Table

DEFAULT_BATCH = 5_000
MAX_PER_DAY = 99_999  # numbers are day + five digits
Progress = Callable[[str], None]


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
            city = build_city()
            import_articles(
                json.loads(KNOWLEDGE.read_text(encoding="utf-8")),
                today=timezone.localdate(),
                owner=city.staff["admin"],
            )
        return city
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
            city.handlers.setdefault(user.unit_id, user)
        elif user.role == Role.LEAD:
            city.leads.setdefault(user.unit_id, user)
        else:
            city.staff[user.username] = user
    return city


# --- time: whole seconds since the epoch ------------------------------------------------------

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_NULL = "\\N"


class _Cut(Exception):
    """The next event would happen after the end of the history."""


class _Clock:
    """Epoch seconds ↔ local days, and the texts of times (cached: millions are written).

    ``ts`` is a time as the database column takes it (UTC); ``iso`` as the services record
    deadlines in payloads (local time, ISO 8601). The local zone must keep one offset (Asia/
    Shanghai has since 1991)."""

    def __init__(self, tz, first_day: date, last_day: date, utc_suffix: str):
        offsets = {
            datetime.combine(d, datetime.min.time(), tz).utcoffset() for d in (first_day, last_day)
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
    """When people at units act: office hours of working days as a running count of working
    seconds (``pos``) and back (``at``), so that "200 working minutes later" is two look-ups.
    Built from the real work calendar; only for the moments of actions, not for deadlines."""

    def __init__(self, cal, clock: _Clock, first_day: date, days: int):
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

    def at(self, w: int) -> int:
        i = bisect_right(self.w, w) - 1
        rem = w - self.w[i]
        for o, c in self.iv[i]:
            if rem <= c - o:
                return o + rem
            rem -= c - o
        raise ValueError("working time beyond the generator's calendar")

    def add(self, t: int, seconds: int) -> int:
        return self.at(self.pos(t) + seconds)


_CALENDAR_UNITS = {"d": 86400, "h": 3600, "min": 60}


class _Deadlines:
    """``WorkCalendar.deadline`` for epoch seconds, with caches that keep it exact.

    A working-day deadline depends only on the local day it starts: cached per (day, days). A
    working-hour deadline, as a function of its start, rises with slope 1 in office hours, stays
    flat outside them and only jumps (by a lunch break or a night) where it crosses a closing
    time; so within one minute, if the deadlines of the minute's two ends are 60 s apart it is
    the start plus a constant, if they are equal it is that constant, and only otherwise (a few
    minutes a day) it is computed for the very second. Calendar spans are plain arithmetic, as
    in ``WorkCalendar``."""

    def __init__(self, cal, clock: _Clock):
        self.cal, self.clock = cal, clock
        self.by_day: dict[tuple[int, int], int] = {}
        self.by_minute: dict[tuple[int, object], tuple[int, int]] = {}

    def exact(self, t: int, span) -> int:
        return int(self.cal.deadline(self.clock.moment(t), span).timestamp())

    def working_days(self, t: int, days: int) -> int:
        key = (self.clock.local_day(t), days)
        found = self.by_day.get(key)
        if found is None:
            found = self.by_day[key] = int(
                self.cal.add_working_days(self.clock.moment(t), days).timestamp()
            )
        return found

    def __call__(self, t: int, span) -> int:
        unit = span.unit
        if unit == "wd":
            return self.working_days(t, span.amount)
        if unit in _CALENDAR_UNITS:
            return t + span.amount * _CALENDAR_UNITS[unit]
        m = t - t % 60
        pair = self.by_minute.get((m, span))
        if pair is None:
            if len(self.by_minute) > 500_000:
                self.by_minute.clear()
            pair = self.by_minute[(m, span)] = (self.exact(m, span), self.exact(m + 60, span))
        d0, d1 = pair
        if d1 - d0 == 60:
            return d0 + t - m
        return d0 if d1 == d0 else self.exact(t, span)


# --- what the generator needs to know, read once ------------------------------------------------


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
    profile: object
    handler: str  # "actor_id\trole\tactor_unit_id" of its handler
    lead: str
    teams: dict


def _who(user: User | None, role: str) -> str:
    if user is None:
        return f"{_NULL}\t{role}\t{_NULL}"
    return f"{user.pk}\t{user.role}\t{user.unit_id if user.unit_id else _NULL}"


def _copy_text(value) -> str:
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

    def __init__(self):
        self.orders = _Table(WorkOrder, ORDER_COLUMNS, None)
        self.events = _Table(Event, EVENT_COLUMNS, None)
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
        self.deadline = _Deadlines(cal, clock)
        self.work = _WorkTime(cal, clock, clock.first_day, len(clock.ldays))
        categories = {c.code: c for c in Category.objects.filter(active=True)}
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
        index = area_index()

        def place(name: str) -> _Place:
            found = index.resolve(name)
            return _Place(name, found.district_id, found.street_id, found.community_id)

        self.comms = [
            _Comm(
                u.pk,
                u.parent_id,
                [place(n) for n in city.compounds[u.pk]],
                [place(n) for n in city.roads[u.parent_id]],
            )
            for u in city.communities
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
        # The units orders go to, their people and how they work.
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
        # The dispatch catalogue, asked once per (category, place).
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
        self.spans: dict[tuple[str, str, str], tuple] = {}
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
        self.hours = list(range(24))

    def spans_of(self, order_type: str, code: str, urgency: str) -> tuple:
        """(accept, contact, finish, reopen_finish, visit) spans of the policies in force."""
        key = (order_type, code, urgency)
        found = self.spans.get(key)
        if found is None:
            spans = sla.spans_for(order_type=order_type, category=code, urgency=urgency)
            found = self.spans[key] = tuple(
                spans[k]
                for k in (
                    DeadlineKind.ACCEPT,
                    DeadlineKind.CONTACT,
                    DeadlineKind.FINISH,
                    DeadlineKind.REOPEN_FINISH,
                    DeadlineKind.VISIT,
                )
            )
        return found


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
_URGED = ("dispatched", "accepted")
_SATISFACTION = ("satisfied",) * 3 + ("basically",)
_RETURN_REASONS = ["不属于本单位职责", "地址不在本辖区", "应由产权单位负责"]
_EXTENSION_REASONS = ["需协调多个部门", "涉及维修工程，需采购材料", "需等待天气条件"]
_CANCEL_REASONS = ["骚扰电话", "无实质内容", "测试来电"]
_WAYS = ["电话", "电话", "短信", "上门"]
_SOLVED = "已到现场处理完毕，问题已解决。"
_UNSOLVED = "已向市民解释相关政策，问题需纳入计划逐步解决。"


class _Maker:
    """Makes the rows of one batch of orders (in a worker process, or in the caller's)."""

    def __init__(self, plan: _Plan, days: list[_Day], first_pk: int):
        self.plan, self.days, self.first_pk = plan, days, first_pk
        self.day_firsts = [d.first for d in days]
        c = plan.clock
        self.numbers = {d.ordinal: date.fromordinal(d.ordinal).strftime("%Y%m%d") for d in days}
        self.register_payload = {ch: json.dumps({"channel": ch}) for ch, _ in _CHANNELS}
        self.channels = [ch for ch, _ in _CHANNELS]
        self.channel_cum = list(accumulate(w for _, w in _CHANNELS))
        self.ts, self.iso = c.ts, c.iso

    # -- registration times of a day: drawn for the whole day, whichever batch needs them
    def _times(self, day: _Day) -> list[int]:
        rng = random.Random(f"{self.plan.seed}:day:{day.ordinal}")
        cum = [w * max(0, min(3600, day.limit - h * 3600)) / 3600 for h, w in enumerate(_HOURS)]
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
        self.rng = random.Random(f"{self.plan.seed}:batch:{index}")
        self.events = 0
        self.ring: list[_Master] = []
        orders: list[str] = []
        events: list[str] = []
        cohandlers: list[str] = []
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
                self._order(
                    self.first_pk + day.first + k,
                    f"{prefix}{seq:05d}",
                    times[k],
                    month,
                    orders,
                    events,
                    cohandlers,
                )
                counters[day.ordinal] = seq
            g = upto
            i += 1
        return _Batch(
            index,
            count,
            self.events,
            "".join(orders),
            "".join(events),
            "".join(cohandlers),
            counters,
        )

    def _order(
        self,
        pk: int,
        number: str,
        t0: int,
        month: int,
        order_rows: list,
        event_rows: list,
        cohandler_rows: list,
    ) -> None:
        P, rng = self.plan, self.rng
        rand, randrange = rng.random, rng.randrange
        ts, iso, now, work = self.ts, self.iso, P.now, P.work
        NULL = _NULL

        # --- the request: a duplicate of a recent call, or a new problem
        master = None
        ring = self.ring
        if ring:
            m = ring[randrange(len(ring))]
            if t0 - m.t0 < 129600 and rand() < DUPLICATE_CHANCE.get(m.code, 0.04):
                t_merge = t0 + 180 + randrange(2220)
                if t_merge < m.open_until:
                    master = m
                    ring.remove(m)
        if master is not None:
            cat, comm, place = P.by_code[master.code], master.comm, master.place
            order_type, urgency = master.order_type, master.urgency
            text = texts.request_text(rng, cat.code, place.name)
            confidential = False
        else:
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
        code = cat.code
        channel = self.channels[bisect_right(self.channel_cum, rand() * self.channel_cum[-1])]
        phone = P.callers[randrange(len(P.callers))] if rand() < 0.06 else _phone(rng)
        caller = (
            ""
            if rand() < 0.04
            else f"{SURNAMES[randrange(len(SURNAMES))]}{'先生' if rand() < 0.5 else '女士'}"
        )
        citizen = channel in _CITIZEN_CHANNELS
        operator = P.operators[randrange(3)]
        dispatcher = P.dispatchers[randrange(2)]
        guess = cat
        if citizen or rand() < 0.12:
            guess = None if citizen or rand() < 0.5 else P.cats[randrange(len(P.cats))]
        normal = urgency == "normal"

        # --- the order's columns as its events leave them
        pk_s = str(pk)
        lines: list[str] = []
        status, seq, last = "", 0, t0
        category = guess
        unit = handling = None  # _Unit
        unit_s = NULL
        cohandler = None
        dispatched_at = accepted_at = contact_at = replied_at = closed_at = None
        acc = con = fin = ofin = vis = None
        due = due_since = None
        extension_days = None
        urge_count, last_urged, urged, supervised, supervision_note = 0, None, None, False, ""
        answer, resolved, satisfaction, reopen_count, duplicate_of = "", None, "", 0, None
        case_number = close_reason = ""
        spans = P.spans_of(order_type, code, urgency)
        first_closed = _FOREVER

        def emit(at, action, to, who, note, payload, deadlines=None, unit_to=None):
            nonlocal status, seq, last, acc, con, fin, ofin, vis, due, due_since, unit_s
            if at > now:
                raise _Cut
            if unit_to is not None:
                unit_s = unit_to
            seq += 1
            lines.append(
                f"{pk_s}\t{seq}\t{ts(at)}\t{action}\t{status}\t{to}\t{who}\t{unit_s}\t{note}\t{payload}"
            )
            status, last = to, at
            if deadlines is not None:
                acc, con, fin, ofin, vis = deadlines
            d = (
                acc
                if to == "dispatched"
                else fin
                if to == "accepted"
                else vis
                if to == "pending_visit"
                else None
            )
            if d != due:
                due, due_since = d, at

        def sweep(until):
            """What the worker (sweeping every hour) did before ``until``: urge once per missed
            deadline, supervise when still overdue a day after."""
            nonlocal urge_count, last_urged, urged, supervised, supervision_note
            after = (last // 3600 + 1) * 3600  # the worker's first sweep after the last event
            while status in _URGED and due is not None:
                if urged != due:
                    at = max((max(due, due_since) // 3600 + 1) * 3600, after)
                    if at >= until:
                        return
                    emit(
                        at,
                        "urge",
                        status,
                        P.system,
                        "系统自动催办：已超时",
                        f'{{"auto": true, "deadline": "{iso(due)}"}}',
                    )
                    urge_count, last_urged, urged = urge_count + 1, at, due
                elif not supervised and last_urged is not None:
                    at = max(last_urged + P.escalate + 3600, after)
                    if at >= until:
                        return
                    note = f"催办后 {P.escalate // 3600} 小时仍未办结，系统转督办"
                    emit(at, "supervise", status, P.system, note, "{}")
                    supervised, supervision_note = True, note
                else:
                    return

        def ev(at, action, to, who, note="", payload="{}", deadlines=None, unit_to=None):
            if at < last:
                at = last
            if status in _URGED:
                sweep(at)
            emit(at, action, to, who, note, payload, deadlines, unit_to)
            return at

        def minutes(low, high):
            return int((low + rand() * (high - low)) * 60)

        def unit_time(start, low, high):
            """``low``-``high`` working minutes after ``start`` (units keep office hours); urgent
            orders have people on duty and are far quicker."""
            if normal:
                return work.add(start, minutes(low, high))
            return start + minutes(low / 8, high / 8)

        def on_the_way(deadline, share):
            if deadline <= last:
                return last
            if not normal:
                return last + int((deadline - last) * share)
            a = work.pos(last)
            return work.at(a + int((work.pos(deadline) - a) * share))

        def changed(payload: str = "") -> str:
            """The category correction the first classification records ("" if none); the
            caller corrects ``category`` once the event is written."""
            if category is cat:
                return payload
            old = category.label if category is not None else "null"
            fragment = f'"changed": {{"category": {{"from": {old}, "to": {cat.label}}}}}'
            return f"{fragment}, {payload}" if payload else fragment

        def start_round(at, finish_span):
            """A unit gets the order (dispatch, reopen): fresh deadlines, as ``_start_round``."""
            dl = P.deadline
            a, c, f = dl(at, spans[0]), dl(at, spans[1]), dl(at, finish_span)
            return (a, c, f, f, None), (
                f'"deadlines": {{"accept": "{iso(a)}", "contact": "{iso(c)}", '
                f'"finish": "{iso(f)}", "original_finish": "{iso(f)}", "visit": null}}'
            )

        try:
            emit(
                t0,
                "register",
                "registered",
                P.citizen if citizen else operator,
                "",
                self.register_payload[channel],
            )
            if master is not None:
                emit(
                    t_merge,
                    "merge",
                    "merged",
                    dispatcher,
                    "同一问题重复来电",
                    f'{{"master": {master.pk}, "master_number": "{master.number}"}}',
                )
                duplicate_of, closed_at = master.pk, t_merge
            elif rand() < 0.01:
                reason = _CANCEL_REASONS[randrange(3)]
                at = ev(t0 + minutes(5, 30), "cancel", "cancelled", dispatcher, reason)
                close_reason, closed_at = reason, at
            elif (
                order_type == "praise"
                or (order_type == "consultation" and rand() < 0.85)
                or cat.routing == Routing.HOTLINE
                and order_type != "suggestion"
            ):
                answer = f"已按知识库答复市民：{text[:40]}……市民表示清楚。"
                payload = changed(f'"article": "KB-{code}"')
                at = ev(
                    t0 + minutes(2, 8),
                    "answer_on_the_spot",
                    "closed",
                    operator,
                    _safe(answer),
                    f"{{{payload}}}",
                )
                closed_at, resolved, category = at, True, cat
            else:
                at = t0 + minutes(3, 45)
                if rand() < 0.08:
                    ev(at, "review", "pending_dispatch", dispatcher, "", f"{{{changed()}}}")
                    category = cat
                    at += minutes(2, 20)
                unit = P.units[P.responsible[(code, place.street_id, place.community_id)]]
                co_unit = None
                if cat.routing == Routing.LOCAL and rand() < 0.04:
                    co_unit = P.units[P.departments[randrange(len(P.departments))]]
                deadlines, text_dl = start_round(at, spans[2])
                co = f"[{co_unit.id}]" if co_unit else "[]"
                head = changed()
                payload = (
                    f'{{{head + ", " if head else ""}"unit": {unit.id}, "unit_name": {unit.name}, '
                    f'"cohandlers": {co}, {text_dl}}}'
                )
                ev(at, "dispatch", "dispatched", dispatcher, "", payload, deadlines, str(unit.id))
                dispatched_at, cohandler, category = at, co_unit, cat
                if (
                    master is None and rand() < 0.5
                ):  # later calls about the same problem may be merged into it
                    ring.append(
                        _Master(t0, pk, number, code, comm, place, order_type, urgency, _FOREVER)
                    )
                    if len(ring) > 40:
                        del ring[0]
                    entry = ring[-1]
                else:
                    entry = None

                first_round = True
                while True:
                    profile = unit.profile
                    if first_round and rand() < profile.returns:
                        at = ev(
                            unit_time(last, 10, 180),
                            "request_return",
                            "returned",
                            unit.handler,
                            _RETURN_REASONS[randrange(3)],
                        )
                        at = last + minutes(20, 240)
                        if rand() < 0.7:
                            previous = unit.id
                            ev(
                                at,
                                "approve_return",
                                "pending_dispatch",
                                dispatcher,
                                "同意退回，重新派单",
                                f'{{"previous_unit": {previous}, "deadlines": {{"accept": null, '
                                f'"contact": null, '
                                f'"finish": null, "original_finish": null, "visit": null}}}}',
                                (None, None, None, None, None),
                                NULL,
                            )
                            unit, handling, cohandler = None, None, None
                            kind = (
                                P.streets
                                if P.units[previous].kind == Unit.Kind.STREET
                                else P.departments
                            )
                            others = [u for u in kind if u != previous]
                            unit = P.units[others[randrange(len(others))]]
                            at = last + minutes(5, 40)
                            deadlines, text_dl = start_round(at, spans[2])
                            ev(
                                at,
                                "dispatch",
                                "dispatched",
                                dispatcher,
                                "",
                                f'{{"unit": {unit.id}, "unit_name": {unit.name}, '
                                f'"cohandlers": [], {text_dl}}}',
                                deadlines,
                                str(unit.id),
                            )
                            dispatched_at = at
                            profile = unit.profile
                        else:
                            ev(
                                at,
                                "reject_return",
                                "dispatched",
                                dispatcher,
                                "经核实属于本单位职责，请继续办理",
                            )
                    first_round = False
                    slow = rand() < profile.slow_accept
                    at = ev(
                        unit_time(last, 130, 600) if slow else unit_time(last, 3, 100),
                        "accept",
                        "accepted",
                        unit.handler,
                    )
                    accepted_at = at
                    worker = unit
                    teams = unit.teams
                    if unit.kind == Unit.Kind.STREET and rand() < 0.35:
                        if code.startswith("01."):
                            sub = teams["执法队"]
                        elif code.startswith("02."):
                            sub = teams["环卫所"]
                        elif P.comm_street[comm.id] == unit.id:
                            sub = comm.id
                        else:
                            sub = list(teams.values())[randrange(len(teams))]
                        sub_unit = P.units[sub]
                        ev(
                            last + minutes(5, 60),
                            "pass_down",
                            "accepted",
                            unit.lead,
                            "",
                            f'{{"handling_unit": {sub_unit.id}, '
                            f'"handling_unit_name": {sub_unit.name}}}',
                        )
                        worker = handling = sub_unit
                    if phone:
                        late = rand() < profile.slow_contact
                        at = ev(
                            unit_time(last, 500, 1400) if late else unit_time(last, 5, 300),
                            "record_contact",
                            "accepted",
                            worker.handler,
                            "",
                            f'{{"way": "{_WAYS[randrange(4)]}", '
                            f'"first": {"false" if contact_at else "true"}}}',
                        )
                        contact_at = contact_at or at
                    if cohandler is not None:
                        ev(
                            unit_time(last, 60, 900),
                            "assist",
                            "accepted",
                            cohandler.handler,
                            "已配合现场核查，提供相关资料。",
                        )
                    if worker.enforcement and rand() < 0.12:
                        at = last + minutes(30, 300)
                        number_ = f"ZF{iso(at)[:10].replace('-', '')}{randrange(10000):04d}"
                        ev(
                            at,
                            "convert_to_case",
                            "accepted",
                            worker.handler,
                            "",
                            f'{{"case_number": "{number_}"}}',
                        )
                        case_number = number_
                    if rand() < profile.extension + (0.3 if cat.limit_workdays >= 15 else 0):
                        days = (3, 5, 5, 10)[randrange(4)]
                        ev(
                            on_the_way(fin, 0.5),
                            "request_extension",
                            "accepted",
                            unit.lead,
                            _EXTENSION_REASONS[randrange(3)],
                            f'{{"days": {days}}}',
                        )
                        extension_days = days
                        at = last + minutes(30, 300)
                        if rand() < 0.85:
                            moved = P.deadline.working_days(fin, days)
                            ev(
                                at,
                                "approve_extension",
                                "accepted",
                                dispatcher,
                                "",
                                f'{{"days": {days}, "deadlines": {{"finish": "{iso(moved)}"}}}}',
                                (acc, con, moved, ofin, vis),
                            )
                            extension_days = None
                            ev(
                                on_the_way(ofin, 0.5 + rand() * 0.45),
                                "stage_reply",
                                "accepted",
                                worker.handler,
                                "已现场查看，正在协调处理，预计延期内办结。",
                            )
                        else:
                            ev(
                                at,
                                "deny_extension",
                                "accepted",
                                dispatcher,
                                "时限内可以办结，请抓紧办理",
                                f'{{"days": {days}}}',
                            )
                            extension_days = None
                    if rand() < 0.005 and not supervised:
                        note = "群众反映强烈，请主要负责人牵头办理，限期办结"
                        ev(last + minutes(60, 600), "supervise", "accepted", P.supervisor, note)
                        supervised, supervision_note = True, note
                    solved = rand() > profile.unresolved
                    result = _SOLVED if solved else _UNSOLVED
                    while True:  # a reply the centre sends back is written again
                        if rand() < profile.late:
                            at = (
                                unit_time(fin, 30, 2400)
                                if normal
                                else fin + minutes(30 / 8, 2400 / 8)
                            )
                        else:
                            at = on_the_way(fin, 0.15 + rand() * 0.8)
                        if at <= last:  # past the deadline already: some time later
                            at = unit_time(last, 10, 240)
                        at = ev(
                            at,
                            "reply",
                            "replied",
                            worker.handler,
                            result,
                            '{"solved": true}' if solved else '{"solved": false}',
                        )
                        answer, replied_at = result, at
                        at = last + minutes(20, 300)
                        if rand() < 0.04:
                            ev(
                                at,
                                "reject_reply",
                                "accepted",
                                dispatcher,
                                "回复内容不完整，请补充处理过程",
                            )
                            replied_at = None
                            continue
                        visit = P.deadline(at, spans[4])
                        ev(
                            at,
                            "approve_reply",
                            "pending_visit",
                            dispatcher,
                            "",
                            f'{{"deadlines": {{"visit": "{iso(visit)}"}}}}',
                            (acc, con, fin, ofin, visit),
                        )
                        break
                    at = last + minutes(60, 2400)
                    local = (at + P.clock.off) % 86400
                    if not 32400 <= local < 72000:  # visits between 9:00 and 20:00
                        morning = at - local + 32400 + minutes(0, 90)
                        at = morning if local < 32400 else morning + 86400
                    if not phone or rand() < 0.04:
                        reason = "无联系方式或三次回访未接通"
                        at = ev(at, "close", "closed", dispatcher, reason)
                        close_reason, closed_at = reason, at
                        first_closed = min(first_closed, at)
                        break
                    unsatisfied = rand() < profile.unsatisfied * (3 if not solved else 0.6)
                    grade = "unsatisfied" if unsatisfied else _SATISFACTION[randrange(4)]
                    ok = solved and not unsatisfied
                    at = ev(
                        at,
                        "visit",
                        "closed",
                        P.visitors[randrange(2)],
                        "",
                        f'{{"resolved": {"true" if ok else "false"}, "satisfaction": "{grade}"}}',
                    )
                    resolved, satisfaction, closed_at = ok, grade, at
                    first_closed = min(first_closed, at)
                    if not unsatisfied or reopen_count >= 1 or rand() < 0.35:
                        break
                    at = last + minutes(5, 60)
                    deadlines, text_dl = start_round(at, spans[3])
                    ev(
                        at,
                        "reopen",
                        "dispatched",
                        P.visitors[randrange(2)],
                        "市民表示问题未解决，不满意",
                        f'{{"reopen_count": {reopen_count + 1}, {text_dl}}}',
                        deadlines,
                    )
                    reopen_count += 1
                    closed_at, resolved, satisfaction, handling = None, None, "", None
                    dispatched_at, accepted_at, contact_at, replied_at = at, None, None, None
                    extension_days = None
                if entry is not None:
                    entry.open_until = first_closed
        except _Cut:
            pass
        try:
            sweep(now + 1)
        except _Cut:
            pass

        # --- the row
        warn = sweep_at = None
        if due is not None:
            span = (
                spans[0]
                if status == "dispatched"
                else spans[4]
                if status == "pending_visit"
                else spans[3]
                if reopen_count
                else spans[2]
            )
            start = due_since if status == "pending_visit" else dispatched_at
            warn = P.cal.warning_point(
                P.clock.moment(start), P.clock.moment(due), span.on_working_time
            )
            if status in _URGED:
                if urged != due:
                    sweep_at = due
                elif not supervised and last_urged is not None:
                    sweep_at = last_urged + P.escalate

        def t(x):
            return NULL if x is None else ts(x)

        def i(x):
            return NULL if x is None else str(x)

        hid = handling.id if handling is not None else None
        title = make_title(text)
        row = "\t".join(
            (
                pk_s,
                number,
                str(seq),
                status,
                channel,
                order_type,
                NULL if category is None else str(category.id),
                urgency,
                _safe(title),
                _safe(text),
                caller,
                phone,
                "0" if caller else "1",
                "1" if confidential else "0",
                _safe(place.name),
                i(place.district_id),
                i(place.street_id),
                i(place.community_id),
                unit_s,
                i(hid),
                ts(t0),
                t(dispatched_at),
                t(accepted_at),
                t(contact_at),
                t(replied_at),
                t(closed_at),
                t(acc),
                t(con),
                t(fin),
                t(ofin),
                t(vis),
                t(due),
                self._when(warn),
                t(sweep_at),
                i(extension_days),
                str(urge_count),
                t(last_urged),
                t(urged),
                "1" if supervised else "0",
                supervision_note,
                _safe(answer),
                NULL if resolved is None else ("1" if resolved else "0"),
                satisfaction,
                str(reopen_count),
                i(duplicate_of),
                case_number,
                close_reason,
            )
        )
        order_rows.append(f"{row}{P.tables.order_rest}\n")
        rest = P.tables.event_rest
        self.events += len(lines)
        event_rows.append("".join(f"{line}{rest}\n" for line in lines))
        if cohandler is not None:
            cohandler_rows.append(f"{pk_s}\t{cohandler.id}\n")

    def _when(self, moment: datetime | None) -> str:
        if moment is None:
            return _NULL
        text = moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        return text + self.plan.utc_suffix


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
                w * max(0, min(3600, limit - h * 3600)) / 3600 for h, w in enumerate(_HOURS)
            ) / sum(_HOURS)
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


def _worker(maker: _Maker, batches: list[tuple[int, int, int]], out) -> None:
    """A worker process (forked: it has the plan already): makes its batches in order."""
    try:
        for spec in batches:
            made = maker.batch(*spec)
            # Encoded here rather than by the writer, whose process has the database to feed.
            made.order_text, made.event_text = made.order_text.encode(), made.event_text.encode()
            made.cohandler_text = made.cohandler_text.encode()
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
        self.procs: list = []
        self.queues: list = []
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

    def __iter__(self):
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
            yield item

    def close(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.terminate()
            p.join()


# --- writing -----------------------------------------------------------------------------------


class _PostgresLoad:
    """COPY into the tables; into empty tables, without their secondary indexes and foreign keys,
    which are built again at the end (same transaction: an interruption leaves them as they
    were)."""

    def __init__(self, raw, tables: _Tables, bare: bool, progress: Progress):
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
        (sequence,) = cur.fetchone()
        cur.execute(
            f"SELECT GREATEST(COALESCE(MAX(id), 0), "
            f"(SELECT CASE WHEN is_called THEN last_value ELSE "
            f"last_value - 1 END FROM {sequence})) FROM {self.tables.orders.name}"
        )
        (last,) = cur.fetchone()
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

    def __init__(self, raw, tables: _Tables, expected: int):
        self.tables = tables
        self.writer = _SqliteWriter(raw, expected)
        self.writer.orders, self.writer.events = tables.orders, tables.events
        self.raw = raw

    def reserve(self, n: int) -> int:
        return self.writer.ids(n)[0]

    @staticmethod
    def _rows(text: str) -> list[list]:
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
    tz = timezone.get_default_timezone()
    if end is None:
        end_moment = timezone.now()
    elif isinstance(end, datetime):
        end_moment = end
    else:
        end_moment = datetime.combine(end, datetime.min.time(), tz)
    end_local = end_moment.astimezone(tz)
    now = int(end_moment.timestamp())
    first = _months_before(end_local.date(), months)
    utc_suffix = "+00" if postgres else ""
    clock = _Clock(
        tz, first - timedelta(days=2), end_local.date() + timedelta(days=200), utc_suffix
    )
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
        with connection.cursor() as cursor:
            cursor.execute("SELECT day, last FROM orders_dailycounter WHERE day >= %s", [first])
            counters = {
                (d if isinstance(d, date) else date.fromisoformat(d)): last
                for d, last in cursor.fetchall()
            }
        seconds = end_local.hour * 3600 + end_local.minute * 60 + end_local.second
        days = _days(orders, first, end_local.date(), seconds, clock, counters)
        plan = _Plan(city, now=now, clock=clock, seed=seed, orders=orders, utc_suffix=utc_suffix)
        raw = connection.connection
        bare = postgres and not WorkOrder.objects.exists()
        load = (
            _PostgresLoad(raw, plan.tables, bare, say)
            if postgres
            else _SqliteLoad(raw.cursor(), plan.tables, orders)
        )
        first_pk = load.reserve(orders)
        maker = _Maker(plan, days, first_pk)
        specs = [
            (n, start, min(batch, orders - start))
            for n, start in enumerate(range(0, orders, batch))
        ]
        say(
            f"生成 {orders:,} 个工单：{first} 至 {end_local:%Y-%m-%d %H:%M}，{len(specs)} 批，"
            f"{workers or '本'}{'个' if workers else ''}进程生成，{connection.vendor}"
        )
        written = events = 0
        counters_after: dict[int, int] = {}
        load_started = last_said = time.monotonic()
        batches = _Batches(maker, specs, workers)
        try:
            for made in batches:
                load.write(made)
                written += made.orders
                events += made.events
                counters_after.update(made.counters)
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
        load.finish()
        reserve_through((date.fromordinal(d), last) for d, last in counters_after.items())
    started_analyze = time.monotonic()
    tables = plan.tables
    with connection.cursor() as cursor:
        for table in (
            tables.orders.name,
            tables.events.name,
            tables.cohandlers_name,
            "orders_dailycounter",
        ):
            cursor.execute(f"ANALYZE {table}")
    say(f"ANALYZE 用时 {time.monotonic() - started_analyze:.1f} 秒")
    return Result(written, events, time.monotonic() - started)
