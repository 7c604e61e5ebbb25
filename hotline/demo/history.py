"""A year of the demo city's history, lived through the real services (a simulation).

Every order is a small program (a generator) that registers the request and then takes, one by
one and each at its own simulated moment, the actions that people take in a real centre:
operators answer consultations on the spot, dispatchers correct categories and dispatch, units
accept, pass down, contact, ask for returns and extensions and reply, visitors call back, and
unsatisfied citizens get their order reopened. A scheduler runs all of them in time order with
the domain clock frozen at each step, and lets the real worker sweep every simulated hour, so
late units are urged and supervised exactly as they would be in production. Nothing is written
around the services: the history is what the services recorded.

Patterns: volume follows weekdays, holidays and hours of the day; categories follow the seasons
(heating in winter, noise, water and flooding in summer); a few communities are hot spots; a few
units are slow or careless (see ``city.PROFILES``); widespread problems draw duplicate calls.
"""

import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hotline.catalog.models import Category, Routing
from hotline.core import clock
from hotline.core.errors import Conflict, DomainError
from hotline.notifications.services import deliver_due
from hotline.orders import services
from hotline.orders.models import Channel, WorkOrder
from hotline.org.models import Unit, User
from hotline.sla import selectors as sla
from hotline.sla.worktime import SHANGHAI, official_workday

from . import texts
from .city import SURNAMES, DemoCity, Profile

# Relative frequency of each category (1 when not listed) and its seasonal multipliers by month.
FREQUENCY = {
    "14.01": 14,
    "05.01": 5,
    "02.01": 4,
    "01.04": 3,
    "04.04": 3,
    "04.01": 3,
    "06.03": 3,
    "10.02": 3,
    "09.02": 3,
    "13.03": 3,
    "07.03": 2.5,
    "08.02": 2.5,
    "04.02": 2,
    "03.01": 2,
    "01.01": 2,
    "01.05": 2,
    "09.01": 2,
    "05.03": 2,
    "11.01": 2,
    "05.04": 2,
    "14.02": 2,
    "05.02": 1.5,
    "02.02": 1.5,
    "03.03": 1.5,
    "03.04": 1.5,
    "14.99": 0.8,
    "10.03": 0.3,
}
SEASONS = {
    "04.04": [3, 2.5, 1.5, 0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.4, 2.5, 3.5],
    "01.04": [0.6, 0.6, 0.8, 1, 1.3, 1.6, 1.8, 1.8, 1.3, 1, 0.7, 0.6],
    "07.03": [0.5, 0.4, 1, 1.2, 1.3, 1.4, 1.5, 1.5, 1.3, 1.2, 0.9, 0.6],
    "04.01": [1, 0.9, 0.9, 1, 1.2, 1.6, 2, 2, 1.4, 1, 0.9, 1.1],
    "03.05": [0.2, 0.2, 0.4, 0.7, 1.2, 2.5, 3.5, 3, 1.2, 0.5, 0.3, 0.2],
    "01.05": [0.6, 0.6, 0.8, 1, 1.4, 1.8, 2, 2, 1.5, 1, 0.7, 0.6],
    "04.02": [0.9, 0.8, 0.8, 0.8, 1, 1.5, 2, 2, 1.2, 0.9, 0.9, 1],
    "09.01": [2.5, 2, 1, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1, 1.4, 2.2],
    "11.01": [0.5, 0.6, 0.8, 1, 1.5, 2.5, 3, 2.5, 1, 0.5, 0.4, 0.4],
    "07.04": [0.6, 0.6, 1, 1.2, 1.2, 1.4, 1.6, 1.5, 1.2, 1, 0.8, 0.6],
    "02.01": [0.9, 1.3, 0.9, 1, 1, 1.2, 1.3, 1.3, 1.1, 1, 0.9, 0.9],
    "03.03": [1.3, 1.2, 1, 0.9, 0.8, 0.8, 0.8, 0.8, 0.9, 1, 1.2, 1.3],
}
# (community stem, category, weight factor, months or None for all year): places with a history.
HOT_SPOTS = [
    ("茉莉", "01.01", 12, None),
    ("茉莉", "01.05", 12, None),  # the night market of 金沙街道
    ("幸福", "05.01", 8, None),  # a compound whose property company does nothing
    ("碧水", "04.04", 8, {1, 2, 3, 11, 12}),  # an old heating network
    ("凤凰", "07.03", 10, {3, 4, 5, 6, 7, 8, 9, 10}),  # a building site next to homes
    ("育才", "06.03", 8, None),  # parents' cars at the school gate
    ("钢城", "07.01", 10, None),  # the old steel works
]
# Hard problems solved during the year (``demo.problems``): from ``days`` before the end on, only
# ``keep`` of the spot's requests still come from there (the rest are other communities' calls),
# so that the problem's watch sees the calls stop, or fall.
QUIETED = [
    # (community stem, category, days before the end, share kept)
    ("碧水", "04.04", 285, 0.0),  # the old heating network is replaced
    ("凤凰", "07.03", 10, 0.0),  # the building site's night work is stopped
    ("茉莉", "01.01", 90, 0.6),  # the night-market campaign
    ("茉莉", "01.05", 90, 0.6),
]
# Problems that hit many people at once draw more duplicate calls.
DUPLICATE_CHANCE = {
    "04.01": 0.25,
    "04.02": 0.25,
    "04.04": 0.15,
    "03.05": 0.2,
    "07.03": 0.12,
    "01.04": 0.1,
}
HOURS = [
    0.3,
    0.2,
    0.1,
    0.1,
    0.1,
    0.2,
    0.5,
    1.5,
    4,
    7,
    8,
    7,
    5,
    4,
    6,
    7,
    6.5,
    5,
    4,
    3.5,
    3,
    2,
    1.2,
    0.6,
]
CHANNELS = [
    (Channel.PHONE, 70),
    (Channel.WECHAT, 10),
    (Channel.APP, 8),
    (Channel.WEB, 7),
    (Channel.GRID, 3),
    (Channel.LETTER, 1),
    (Channel.WALK_IN, 1),
]
CITIZEN_CHANNELS = {Channel.WECHAT, Channel.APP, Channel.WEB}


@dataclass
class Request:
    """What a caller brings: sampled before the order exists."""

    at: datetime
    code: str
    order_type: str
    urgency: str
    community: Unit
    address: str
    text: str
    channel: str
    caller_name: str
    caller_phone: str
    confidential: bool
    master: int | None = None  # index of the request this one duplicates


def _unit_of(order: WorkOrder) -> Unit:
    """The unit an order in handling is dispatched to: dispatching sets it and it stays set."""
    assert order.unit is not None, f"order {order.number} is in handling without a unit"
    return order.unit


def _known_deadline(deadline: datetime | None, order: WorkOrder) -> datetime:
    """A deadline that the order's state guarantees (dispatch sets the finish deadline, an
    approved extension keeps the original one)."""
    assert deadline is not None, f"order {order.number} lacks a deadline its state implies"
    return deadline


Life = Generator[datetime, None, None]
# A part of an order's life: yields its moments as a life does, then returns the order.
Part = Generator[datetime, None, WorkOrder]


@dataclass
class Crew:
    """Who handles an order in one round: the responsible unit, how it tends to work, its
    handler (who accepts) and who does the work (the handler, or a sub-unit's once passed down)."""

    unit: Unit
    profile: Profile
    handler: User
    worker: User


class History:
    def __init__(
        self,
        city: DemoCity,
        *,
        orders: int,
        end: datetime,
        days: int = 365,
        seed: int = 12345,
        progress: Callable[[date, int], None] | None = None,
    ):
        self.city, self.total, self.end, self.days = city, orders, end, days
        self.rng = random.Random(seed)
        self.progress = progress or (lambda day, done: None)
        self.categories = {c.code: c for c in Category.objects.all()}
        self.cal = sla.work_calendar()
        self.orders: dict[int, WorkOrder] = {}
        self.refused: Counter[str] = Counter()
        self.callers = [self._phone() for _ in range(300)]  # people who call again and again
        self._spot_weights: dict[tuple[str, int], list[float] | None] = {}
        self._quiet = {
            (stem, code): (end - timedelta(days=before), keep)
            for stem, code, before, keep in QUIETED
        }

    # --- sampling ---------------------------------------------------------------------------------

    def _phone(self) -> str:
        return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"

    def _community_weights(self, code: str, month: int) -> list[float] | None:
        """How likely each community is the place of a ``code`` request in ``month`` (None:
        evenly)."""
        key = (code, month)
        if key not in self._spot_weights:
            spots = [
                (stem, factor)
                for stem, c, factor, months in HOT_SPOTS
                if c == code and (not months or month in months)
            ]
            self._spot_weights[key] = (
                [dict(spots).get(u.name.removesuffix("社区"), 1.0) for u in self.city.communities]
                if spots
                else None
            )
        return self._spot_weights[key]

    def _kept(self, community: Unit, code: str, at: datetime) -> float | None:
        """The share of ``code`` requests still made at ``community`` at ``at`` (None: all)."""
        quiet = self._quiet.get((community.name.removesuffix("社区"), code))
        return quiet[1] if quiet and at >= quiet[0] else None

    def _day_counts(self) -> list[tuple[date, int]]:
        first = self.end.astimezone(SHANGHAI).date() - timedelta(days=self.days)
        days = [first + timedelta(days=i) for i in range(self.days)]
        weights = [
            (1.1 if official_workday(d) else 0.72) * (1.1 if d.month in (1, 7, 8, 12) else 1.0)
            for d in days
        ]
        scale = self.total / sum(weights)
        exact = [w * scale for w in weights]
        counts = [int(x) for x in exact]
        for i in sorted(range(len(days)), key=lambda i: exact[i] - counts[i], reverse=True)[
            : self.total - sum(counts)
        ]:
            counts[i] += 1
        return list(zip(days, counts, strict=True))

    def _category(self, month: int) -> str:
        codes = list(self.categories)
        weights = [FREQUENCY.get(c, 1) * SEASONS.get(c, [1] * 12)[month - 1] for c in codes]
        return self.rng.choices(codes, weights)[0]

    def _request(self, at: datetime) -> Request:
        rng, local = self.rng, at.astimezone(SHANGHAI)
        code = self._category(local.month)
        community = rng.choices(self.city.communities, self._community_weights(code, local.month))[
            0
        ]
        if (keep := self._kept(community, code, at)) is not None and rng.random() >= keep:
            community = rng.choice([c for c in self.city.communities if c != community])
        if rng.random() < 0.2:
            assert community.parent_id is not None, "every community lies in a street"
            road = rng.choice(self.city.roads[community.parent_id])
            address = f"{road}{rng.randint(1, 300)}号"
        else:
            compound = rng.choice(self.city.compounds[community.pk])
            address = f"{compound}{rng.randint(1, 30)}栋{rng.randint(1, 6)}单元"
        order_type, urgency = texts.usual_type(code), "normal"
        text = texts.request_text(rng, code, address)
        if rng.random() < 0.12 and (urgent := texts.urgent_text(rng, code, address)):
            urgency, text = urgent
            order_type = "help"
        elif (
            order_type in ("help", "complaint") and rng.random() < 0.2
        ):  # callers and operators see it either way
            order_type = "complaint" if order_type == "help" else "help"
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        repeat = rng.random() < 0.06
        return Request(
            at=at,
            code=code,
            order_type=order_type,
            urgency=urgency,
            community=community,
            address=address,
            text=text,
            channel=channel,
            caller_phone=rng.choice(self.callers) if repeat else self._phone(),
            caller_name=""
            if rng.random() < 0.04
            else f"{rng.choice(SURNAMES)}{rng.choice(['先生', '女士'])}",
            confidential=order_type == "report" and rng.random() < 0.4,
        )

    def requests(self) -> list[Request]:
        """Every request of the year, in time order, duplicates included."""
        out: list[Request] = []
        for day, count in self._day_counts():
            for _ in range(count):
                hour = self.rng.choices(range(24), HOURS)[0]
                at = datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI) + timedelta(
                    seconds=self.rng.randrange(3600)
                )
                out.append(self._request(at))
        out.sort(key=lambda r: r.at)
        # Some of the year's calls are the same problem again: a later request becomes a duplicate
        # of an earlier one at the same place (same compound, same category, in other words).
        for i, request in enumerate(out):
            if request.master is None and self.rng.random() < DUPLICATE_CHANCE.get(
                request.code, 0.04
            ):
                for j in range(i + 1, min(i + 40, len(out))):
                    later = out[j]
                    if (
                        later.master is None
                        and later.at - request.at < timedelta(hours=36)
                        and self._kept(request.community, request.code, later.at) is None
                        and later.urgency == request.urgency
                    ):
                        later.code, later.community, later.address = (
                            request.code,
                            request.community,
                            request.address,
                        )
                        later.order_type, later.confidential = request.order_type, False
                        later.text = texts.request_text(self.rng, request.code, request.address)
                        later.master = i
                        break
        return out

    # --- running ----------------------------------------------------------------------------------

    def run(self) -> Counter:
        """Live the year (call it inside one transaction); returns the count of refused steps by
        error type, which a correct simulation keeps at zero."""
        requests = self.requests()
        seq = itertools.count()
        heap: list[tuple[datetime, int, Life]] = []
        for i, request in enumerate(requests):
            life = self._life(i, request)
            heap.append((next(life), next(seq), life))
        heapq.heapify(heap)
        day, next_sweep = None, None
        while heap and heap[0][0] <= self.end:
            at, _, life = heapq.heappop(heap)
            if (local_day := at.astimezone(SHANGHAI).date()) != day:
                if day is not None:
                    self.progress(day, len(self.orders))
                day = local_day
            next_sweep = self._sweep_until(at, next_sweep)
            with clock.frozen_at(at):
                try:
                    following = next(life)
                except StopIteration:
                    continue
                except DomainError as refused:
                    self.refused[f"{type(refused).__name__}: {refused}"] += 1
                    continue
            heapq.heappush(heap, (max(following, at), next(seq), life))
        if day is not None:
            self.progress(day, len(self.orders))
        return self.refused

    def _sweep_until(self, at: datetime, next_sweep: datetime | None) -> datetime:
        """Let the worker sweep and deliver every simulated hour up to ``at``, as ``hotline worker``
        would."""
        if next_sweep is None:
            return at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        while next_sweep <= at:
            with clock.frozen_at(next_sweep):
                while sum(services.sweep_overdue(limit=500).values()) >= 500:
                    pass
                while sum(deliver_due(limit=500).values()) >= 500:
                    pass
            next_sweep += timedelta(hours=1)
        return next_sweep

    # --- one order's life -------------------------------------------------------------------------

    def _minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def _unit_time(
        self, order: WorkOrder, low: float, high: float, start: datetime | None = None
    ) -> datetime:
        """When a unit gets to the order: ``low``-``high`` working minutes later (units keep office
        hours), or on the clock and far sooner for urgent orders, which have people on duty."""
        start = start or clock.now()
        if order.urgency == "normal":
            return self.cal.add_working_minutes(start, self.rng.uniform(low, high))
        return start + self._minutes(low / 8, high / 8)

    def _on_the_way_to(self, order: WorkOrder, deadline: datetime, share: float) -> datetime:
        """The moment ``share`` of the way from now to ``deadline``, in the time the unit works."""
        now = clock.now()
        if deadline <= now:
            return now
        if order.urgency != "normal":
            return now + (deadline - now) * share
        return self.cal.add_working_minutes(
            now, self.cal.working_minutes_between(now, deadline) * share
        )

    def _visiting_hours(self, at: datetime) -> datetime:
        local = at.astimezone(SHANGHAI)
        if 9 <= local.hour < 20:
            return at
        morning = local.replace(hour=9, minute=0, second=0) + self._minutes(0, 90)
        return morning if local.hour < 9 else morning + timedelta(days=1)

    def _retry(
        self, service: Callable[..., WorkOrder], order: WorkOrder, **kwargs: object
    ) -> WorkOrder:
        # The worker may have urged the order since we last saw it: act on the fresh order.
        try:
            return service(order=order, **kwargs)
        except Conflict:
            return service(order=WorkOrder.objects.get(pk=order.pk), **kwargs)

    def _life(self, index: int, req: Request) -> Life:
        """One request from the call on: registered, then merged into the order it repeats,
        cancelled, answered on the spot, or dispatched and handled until it is closed."""
        rng, staff = self.rng, self.city.staff
        yield req.at
        operator = staff[rng.choice(["operator", "operator2", "operator3"])]
        order = self._register(index, req, operator)
        dispatcher = staff[rng.choice(["dispatcher", "dispatcher2"])]
        merged = yield from self._merge(index, order, req, dispatcher)
        if merged:
            return
        category = self.categories[req.code]
        if rng.random() < 0.01:
            yield order.registered_at + self._minutes(5, 30)
            services.cancel_order(
                order=order,
                actor=dispatcher,
                reason=rng.choice(["骚扰电话", "无实质内容", "测试来电"]),
            )
            return
        # Most consultations are answered from the knowledge base at once (also those posted
        # online).
        if (
            req.order_type == "praise"
            or (req.order_type == "consultation" and rng.random() < 0.85)
            or category.routing == Routing.HOTLINE
            and req.order_type != "suggestion"
        ):
            yield from self._answer_on_the_spot(order, req, operator)
            return
        order, cohandlers = yield from self._dispatch(order, req, dispatcher)
        yield from self._handling(order, req, dispatcher, cohandlers)

    def _register(self, index: int, req: Request, operator: User) -> WorkOrder:
        """Register (登记) the request as an order: entered by the operator who took the call, or
        by the citizen who posted it online."""
        rng = self.rng
        actor = None if req.channel in CITIZEN_CHANNELS else operator
        guess = req.code
        if (
            actor is None or rng.random() < 0.12
        ):  # citizens do not choose categories; operators sometimes guess wrong
            guess = "" if actor is None or rng.random() < 0.5 else rng.choice(list(self.categories))
        order = services.register_order(
            actor=actor,
            suggestions={},  # the history's calls came in long ago: no suggestions replayed
            text=req.text,
            channel=req.channel,
            order_type=req.order_type,
            category_code=guess,
            urgency=req.urgency,
            caller_name=req.caller_name,
            caller_phone=req.caller_phone,
            anonymous=not req.caller_name,
            confidential=req.confidential,
            address=req.address,
        )
        self.orders[index] = order
        return order

    def _merge(
        self, index: int, order: WorkOrder, req: Request, dispatcher: User
    ) -> Generator[datetime, None, bool]:
        """Merge (并单) a repeated call into the order of the call it repeats, minutes after it
        came in; returns whether it was merged."""
        if req.master is None or (master := self.orders.get(req.master)) is None:
            return False
        yield order.registered_at + self._minutes(3, 40)
        try:
            self.orders[index] = services.merge_order(
                order=order, actor=dispatcher, master=master, note="同一问题重复来电"
            )
        except DomainError:  # the master was already finished: this call is handled on its own
            return False
        return True

    def _answer_on_the_spot(self, order: WorkOrder, req: Request, operator: User) -> Life:
        """The operator answers the request from the knowledge base (直接答复) minutes after
        registering it."""
        yield order.registered_at + self._minutes(2, 8)
        problem = req.text[:40]
        services.answer_on_the_spot(
            order=order,
            actor=operator,
            answer=f"已按知识库答复市民：{problem}……市民表示清楚。",
            article=f"KB-{req.code}",
            category_code=req.code,
        )

    def _dispatch(
        self, order: WorkOrder, req: Request, dispatcher: User
    ) -> Generator[datetime, None, tuple[WorkOrder, list[Unit]]]:
        """The dispatcher reviews the order now and then (审核) and dispatches it (派单), now and
        then with a department to help on a local problem; returns the dispatched order and its
        co-handling units."""
        rng, city = self.rng, self.city
        category = self.categories[req.code]
        yield order.registered_at + self._minutes(3, 45)
        if rng.random() < 0.08:
            order = services.review_order(
                order=order, actor=dispatcher, category_code=req.code, order_type=req.order_type
            )
            yield clock.now() + self._minutes(2, 20)
        unit = None
        if category.routing == Routing.HOTLINE:  # 其他: the dispatcher decides where it belongs
            unit = req.community.parent
        cohandlers = []
        if category.routing == Routing.LOCAL and rng.random() < 0.04:
            cohandlers = [rng.choice(list(city.departments.values()))]
        order = self._retry(
            services.dispatch_order,
            order,
            actor=dispatcher,
            unit=unit,
            cohandlers=cohandlers,
            category_code=req.code,
        )
        return order, cohandlers

    def _handling(
        self, order: WorkOrder, req: Request, dispatcher: User, cohandlers: list[Unit]
    ) -> Life:
        """From dispatch to close, round after round (a reopened order is handled again)."""
        order, cohandlers = yield from self._return(order, dispatcher, cohandlers)
        while True:
            unit = _unit_of(order)
            handler = self.city.handlers[unit.pk]
            crew = Crew(unit, self.city.profile(unit), handler, worker=handler)
            order = yield from self._accept(order, crew)
            order, crew.worker = yield from self._pass_down(order, req, crew)
            order = yield from self._contact(order, req, crew)
            order = yield from self._assist(order, cohandlers)
            order = yield from self._convert_to_case(order, crew.worker)
            order = yield from self._extension(order, req, crew, dispatcher)
            order = yield from self._supervise(order)
            order, solved = yield from self._reply(order, crew, dispatcher)
            reopened = yield from self._visit(order, req, crew.profile, dispatcher, solved)
            if reopened is None:
                return
            order = reopened

    def _return(
        self, order: WorkOrder, dispatcher: User, cohandlers: list[Unit]
    ) -> Generator[datetime, None, tuple[WorkOrder, list[Unit]]]:
        """Now and then, as its profile says, the unit asks to give a freshly dispatched order
        back (申请退单); the centre mostly agrees and dispatches it to another unit of the same
        kind, without co-handlers, or else refuses. Returns the order and its co-handling units."""
        rng, city = self.rng, self.city
        unit = _unit_of(order)
        if rng.random() < city.profile(unit).returns:
            yield self._unit_time(order, 10, 180)
            order = self._retry(
                services.request_return,
                order,
                actor=city.handlers[unit.pk],
                reason=rng.choice(["不属于本单位职责", "地址不在本辖区", "应由产权单位负责"]),
            )
            yield clock.now() + self._minutes(20, 240)
            if rng.random() < 0.7:
                order = services.approve_return(
                    order=order, actor=dispatcher, note="同意退回，重新派单"
                )
                yield clock.now() + self._minutes(5, 40)
                others = [
                    u
                    for u in (
                        city.streets if unit.kind == Unit.Kind.STREET else city.departments.values()
                    )
                    if u.pk != unit.pk
                ]
                order = services.dispatch_order(
                    order=order, actor=dispatcher, unit=rng.choice(others)
                )
                cohandlers = []
            else:
                order = services.reject_return(
                    order=order, actor=dispatcher, reason="经核实属于本单位职责，请继续办理"
                )
        return order, cohandlers

    def _accept(self, order: WorkOrder, crew: Crew) -> Part:
        """The unit's handler accepts the order (签收), late now and then as the unit's profile
        says."""
        slow = self.rng.random() < crew.profile.slow_accept
        yield self._unit_time(order, 130, 600) if slow else self._unit_time(order, 3, 100)
        return self._retry(services.accept_order, order, actor=crew.handler)

    def _pass_down(
        self, order: WorkOrder, req: Request, crew: Crew
    ) -> Generator[datetime, None, tuple[WorkOrder, User]]:
        """A street passes about a third of its orders down (下派): city management to its
        law-enforcement team, sanitation to its sanitation station, the rest to the community of
        the address (or a team when the address is not the street's). Returns the order and who
        does the work."""
        rng, city, unit = self.rng, self.city, crew.unit
        worker = crew.handler
        teams = city.teams.get(unit.pk)
        if unit.kind == Unit.Kind.STREET and rng.random() < 0.35:
            assert teams is not None, "every street of the demo city has its teams"
            yield clock.now() + self._minutes(5, 60)
            if teams and req.code.startswith("01."):
                sub_unit = teams["执法队"]
            elif teams and req.code.startswith("02."):
                sub_unit = teams["环卫所"]
            else:
                sub_unit = (
                    req.community
                    if req.community.parent_id == unit.pk
                    else rng.choice(list(teams.values()))
                )
            order = self._retry(
                services.pass_down, order, actor=city.leads[unit.pk], sub_unit=sub_unit
            )
            worker = city.handlers[sub_unit.pk]
        return order, worker

    def _contact(self, order: WorkOrder, req: Request, crew: Crew) -> Part:
        """Whoever does the work first contacts a citizen who left a phone number (先行联系),
        late now and then as the unit's profile says."""
        rng = self.rng
        if req.caller_phone:
            late_contact = rng.random() < crew.profile.slow_contact
            yield (
                self._unit_time(order, 500, 1400)
                if late_contact
                else self._unit_time(order, 5, 300)
            )
            order = self._retry(
                services.record_contact,
                order,
                actor=crew.worker,
                way=rng.choice(["电话", "电话", "短信", "上门"]),
            )
        return order

    def _assist(self, order: WorkOrder, cohandlers: list[Unit]) -> Part:
        """Each co-handling unit gives its opinion (协办意见)."""
        for co_unit in cohandlers:
            yield self._unit_time(order, 60, 900)
            order = self._retry(
                services.assist_order,
                order,
                actor=self.city.handlers[co_unit.pk],
                opinion="已配合现场核查，提供相关资料。",
            )
        return order

    def _convert_to_case(self, order: WorkOrder, worker: User) -> Part:
        """Now and then a law-enforcement worker turns the complaint into a case (诉转案)."""
        rng = self.rng
        assert worker.unit is not None, "who does the work belongs to a unit"
        if worker.unit.enforcement and rng.random() < 0.12:
            yield clock.now() + self._minutes(30, 300)
            order = self._retry(
                services.convert_to_case,
                order,
                actor=worker,
                case_number=f"ZF{clock.now():%Y%m%d}{rng.randrange(10000):04d}",
            )
        return order

    def _extension(self, order: WorkOrder, req: Request, crew: Crew, dispatcher: User) -> Part:
        """Now and then, more often for long-running categories, the unit asks for more time
        (申请延期) halfway to the deadline; the centre mostly agrees, and the worker then sends a
        stage reply (阶段性回复) before the original deadline, or else refuses."""
        rng, city = self.rng, self.city
        if rng.random() < crew.profile.extension + (
            0.3 if self.categories[req.code].limit_workdays >= 15 else 0
        ):
            yield self._on_the_way_to(order, _known_deadline(order.finish_deadline, order), 0.5)
            lead = city.leads.get(crew.unit.pk, crew.handler)
            order = self._retry(
                services.request_extension,
                order,
                actor=lead,
                days=rng.choice([3, 5, 5, 10]),
                reason=rng.choice(["需协调多个部门", "涉及维修工程，需采购材料", "需等待天气条件"]),
            )
            yield clock.now() + self._minutes(30, 300)
            if rng.random() < 0.85:
                order = self._retry(services.approve_extension, order, actor=dispatcher)
                yield self._on_the_way_to(
                    order,
                    _known_deadline(order.original_finish_deadline, order),
                    rng.uniform(0.5, 0.95),
                )
                order = self._retry(
                    services.stage_reply,
                    order,
                    actor=crew.worker,
                    text="已现场查看，正在协调处理，预计延期内办结。",
                )
            else:
                order = self._retry(
                    services.deny_extension,
                    order,
                    actor=dispatcher,
                    reason="时限内可以办结，请抓紧办理",
                )
        return order

    def _supervise(self, order: WorkOrder) -> Part:
        """Once in a long while the supervisor takes the order up (督办)."""
        if self.rng.random() < 0.005:
            yield clock.now() + self._minutes(60, 600)
            order = self._retry(
                services.supervise_order,
                order,
                actor=self.city.staff["supervisor"],
                instructions="群众反映强烈，请主要负责人牵头办理，限期办结",
            )
        return order

    def _reply(
        self, order: WorkOrder, crew: Crew, dispatcher: User
    ) -> Generator[datetime, None, tuple[WorkOrder, bool]]:
        """The worker replies (回复) before the finish deadline, or after it now and then as the
        unit's profile says, and the centre approves the reply; returns the order and whether
        the problem was solved."""
        rng = self.rng
        solved = rng.random() > crew.profile.unresolved
        while True:  # a reply the centre sends back is written again
            if rng.random() < crew.profile.late:
                yield self._unit_time(order, 30, 2400, start=order.finish_deadline)
            else:
                yield self._on_the_way_to(
                    order, _known_deadline(order.finish_deadline, order), rng.uniform(0.15, 0.95)
                )
            result = (
                "已到现场处理完毕，问题已解决。"
                if solved
                else "已向市民解释相关政策，问题需纳入计划逐步解决。"
            )
            order = self._retry(
                services.reply_order, order, actor=crew.worker, result=result, solved=solved
            )
            yield clock.now() + self._minutes(20, 300)
            if rng.random() < 0.04:
                order = self._retry(
                    services.reject_reply,
                    order,
                    actor=dispatcher,
                    reason="回复内容不完整，请补充处理过程",
                )
                continue
            return self._retry(services.approve_reply, order, actor=dispatcher), solved

    def _visit(
        self, order: WorkOrder, req: Request, profile: Profile, dispatcher: User, solved: bool
    ) -> Generator[datetime, None, WorkOrder | None]:
        """The visit (回访) after the approved reply: an order whose citizen cannot be reached is
        closed (结案); otherwise the citizen's satisfaction is recorded, and a citizen who is not
        satisfied may have the order reopened (重办), once at most. Returns the reopened order, or
        None when the order's life is over."""
        rng = self.rng
        yield self._visiting_hours(clock.now() + self._minutes(60, 2400))
        visitor = self.city.staff[rng.choice(["visitor", "visitor2"])]
        if not req.caller_phone or rng.random() < 0.04:
            services.close_order(order=order, actor=dispatcher, reason="无联系方式或三次回访未接通")
            return None
        unsatisfied = rng.random() < (profile.unsatisfied * (3 if not solved else 0.6))
        satisfaction = (
            "unsatisfied" if unsatisfied else rng.choices(["satisfied", "basically"], [75, 25])[0]
        )
        order = services.visit_order(
            order=order,
            actor=visitor,
            resolved=solved and not unsatisfied,
            satisfaction=satisfaction,
        )
        if not unsatisfied or order.reopen_count >= 1 or rng.random() < 0.35:
            return None
        yield clock.now() + self._minutes(5, 60)
        return services.reopen_order(
            order=order, actor=visitor, reason="市民表示问题未解决，不满意"
        )
