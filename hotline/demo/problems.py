"""The demo city's hard problems (难题), lived through the real services after its history.

Each problem takes, at its own moment of the year (days before the end), the steps people take:
a dispatcher proposes it from a hot spot or a set of orders, the worker proposes one from repeat
complaints, the leader (login ``leader``) takes it on (立项) in a batch, the lead unit calls in
departments (吹哨报到), meets them on site (集体会诊) and carries out a plan (一案一策), the
leader resolves it, and the worker's watch strikes it off (销号) or sees it come back (回潮).
The history makes the calls stop where a problem was solved (``history.QUIETED``), so the watch
judges orders the simulation really made.
"""

from collections import Counter
from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.db.models import Q

from hotline.catalog.models import Category
from hotline.core import clock
from hotline.core.errors import DomainError
from hotline.orders.models import WorkOrder
from hotline.org.models import Unit, User
from hotline.problems import services
from hotline.problems.models import Batch, CallIn, Campaign, Measure, Problem, Source
from hotline.problems.watch import WatchRule
from hotline.sla.worktime import SHANGHAI, official_workday

from .city import DemoCity

Step = Callable[[], object]


class NotLived(Exception):
    """A step of a problem the history gave too few orders to propose (a short demo)."""


class Problems:
    def __init__(self, city: DemoCity, *, end: datetime, days: int) -> None:
        self.city, self.end, self.days = city, end, days
        self.refused: Counter[str] = Counter()
        self.leader = city.staff["leader"]
        self.dispatcher = city.staff["dispatcher"]
        self.steps: list[tuple[datetime, Step]] = []

    # --- the city's people and places -------------------------------------------------------------

    def _community(self, stem: str) -> Unit:
        return next(c for c in self.city.communities if c.name == f"{stem}社区")

    def _street(self, stem: str) -> Unit:
        community = self._community(stem)
        return next(s for s in self.city.streets if s.pk == community.parent_id)

    def _lead(self, unit: Unit) -> User:
        return self.city.leads[unit.pk]

    def _department(self, name: str) -> Unit:
        return self.city.departments[name]

    def day(self, before: int, hour: int = 10) -> datetime:
        """``hour`` o'clock, ``before`` days before the end."""
        local = self.end.astimezone(SHANGHAI).date() - timedelta(days=before)
        return datetime.combine(local, time(hour), SHANGHAI)

    def _workday(self, before: int) -> int:
        """``before``, or fewer days before the end, to the next official working day."""
        while not official_workday(self.day(before).date()):
            before -= 1
        return before

    def at(self, before: int, step: Step, hour: int = 10) -> None:
        self.steps.append((self.day(before, hour), step))

    # --- living them ------------------------------------------------------------------------------

    def run(self) -> Counter[str]:
        """Take every step in time order with the clock at its moment, the watch running each
        day as the worker's would; returns refused steps by error (a correct demo has none)."""
        self._batches()
        for plan in (self._heating, self._property, self._night_market, self._building_site):
            plan()
        self._school_gate()
        self.steps.sort(key=lambda s: s[0])
        first = self.end - timedelta(days=self.days)
        steps = [(at, step) for at, step in self.steps if at >= first]
        watch_at = steps[0][0] if steps else self.end
        for at, step in [*steps, (self.end, lambda: None)]:
            while watch_at <= at:
                with clock.frozen_at(watch_at):
                    services.watch_problems()
                watch_at += timedelta(days=1)
            with clock.frozen_at(at):
                try:
                    step()
                except NotLived:
                    continue
                except DomainError as refused:
                    self.refused[f"{type(refused).__name__}: {refused}"] += 1
        return self.refused

    def _batches(self) -> None:
        self.first_batch = Batch.objects.create(name="第一批", target=self.day(180).date())
        self.second_batch = Batch.objects.create(name="第二批", target=self.day(-60).date())

    def _fresh(self, holder: dict[str, Problem]) -> Problem:
        """The problem as it is now (earlier steps changed it)."""
        if "p" not in holder:
            raise NotLived
        return Problem.objects.get(pk=holder["p"].pk)

    def _orders_about(self, area: Unit, codes: list[str], count: int) -> list[WorkOrder]:
        """The newest ``count`` orders so far of ``codes`` in ``area``."""
        place = Q(district=area) | Q(street=area) | Q(community=area)
        return list(
            WorkOrder.objects.filter(
                place, category__code__in=codes, registered_at__lt=clock.now()
            ).order_by("-registered_at")[:count]
        )

    def _propose(self, holder: dict[str, Problem], **fields: object) -> Step:
        codes = fields.pop("codes")
        assert isinstance(codes, list)

        def step() -> None:
            holder["p"] = services.propose_problem(
                categories=Category.objects.filter(code__in=codes),
                **fields,  # type: ignore[arg-type]
            )

        return step

    def _act(self, holder: dict[str, Problem], action: Callable[..., object], **kw: object) -> Step:
        """A step on the problem as it is then (earlier steps changed it)."""
        return lambda: action(problem=self._fresh(holder), **kw)

    def _link_matching(self, holder: dict[str, Problem], actor: User, count: int) -> Step:
        def step() -> None:
            problem = self._fresh(holder)
            codes = list(problem.categories.values_list("code", flat=True))
            assert problem.area is not None
            for order in self._orders_about(problem.area, codes, count):
                if not problem.links.filter(order=order, unlinked_at=None).exists():
                    services.link_order(
                        problem=self._fresh(holder), actor=actor, order=order,
                        reason="同一地点同类诉求",
                    )  # fmt: skip

        return step

    def _accept(
        self, holder: dict[str, Problem], lead_unit: Unit, deadline: int, batch: Batch,
        watch: WatchRule,
    ) -> Step:  # fmt: skip
        return self._act(
            holder, services.accept_problem, actor=self.leader, leader=self.leader,
            lead_unit=lead_unit, deadline=self.day(deadline, 18), batch=batch,
            responsible=self._lead(lead_unit), watch=watch,
        )  # fmt: skip

    def _measure(
        self, holder: dict[str, Problem], actor: User, text: str, unit: Unit,
        added: int, due: int, done: int | None = None, evidence: str = "",
    ) -> None:  # fmt: skip
        """A measure added ``added`` days before the end and, if ``done``, finished then."""
        made: dict[str, Measure] = {}

        def add() -> None:
            made["m"] = services.add_measure(
                problem=self._fresh(holder), actor=actor, text=text, unit=unit,
                due=self.day(due).date(),
            )  # fmt: skip

        def finish() -> None:
            services.finish_measure(
                problem=self._fresh(holder), actor=self._lead(unit),
                measure=made["m"], evidence=evidence,
            )  # fmt: skip

        self.at(added, add, hour=11)
        if done is not None:
            self.at(done, finish, hour=16)

    def _call_in(
        self, holder: dict[str, Problem], caller: User, unit: Unit, reason: str, at: int,
        answers: list[tuple[int, int, str, str]],
    ) -> None:  # fmt: skip
        """The lead unit calls ``unit`` in at ``at``; each answer (days later, hour, kind, text)
        is its 报到 (``in``) or its report (``done``)."""
        made: dict[str, CallIn] = {}

        def call() -> None:
            made["c"] = services.call_in(
                problem=self._fresh(holder), actor=caller, unit=unit, reason=reason
            )

        def answer(kind: str, text: str) -> Step:
            def step() -> None:
                problem, actor = self._fresh(holder), self._lead(unit)
                fresh = CallIn.objects.get(pk=made["c"].pk)  # what earlier answers changed
                if kind == "in":
                    services.report_in(problem=problem, actor=actor, call=fresh, part=text)
                else:
                    services.report_done(problem=problem, actor=actor, call=fresh, result=text)

            return step

        called = self._workday(at)  # 9:00 of a working day: the deadline is that afternoon
        self.at(called, call, hour=9)
        for later, hour, kind, text in answers:
            self.at(called - later, answer(kind, text), hour=hour)

    # --- the problems -----------------------------------------------------------------------------

    def _heating(self) -> None:
        """碧水社区's old heating network, a winter hot spot: replaced, watched, struck off."""
        p: dict[str, Problem] = {}
        heat, street = self._department("热力公司"), self._street("碧水")
        self.at(330, self._propose(
            p, actor=self.dispatcher, title="碧水社区老旧供热管网暖气不热", source=Source.FINDING,
            source_ref="统计图表·热点：碧水社区 供暖（近四周）", area=self._community("碧水"),
            description="碧水社区多栋楼暖气不热，室温长期不达标，管网老化，每个供暖季反复投诉。",
            codes=["04.04"],
        ))  # fmt: skip
        self.at(330, self._link_matching(p, self.dispatcher, 6), hour=11)
        self.at(328, self._accept(p, heat, 240, self.first_batch, WatchRule(4, 1)))
        self.at(327, self._act(p, services.start_problem, actor=self.leader, note="包案领导牵头"))
        self._measure(p, self._lead(heat), "更换碧水社区老旧供热主管网", heat, 326, 290, 292,
                      "主管网 1.2 公里更换完毕，试压合格")  # fmt: skip
        self._measure(p, self._lead(heat), "逐户测温，室温不达标的逐户整改", heat, 326, 300, 288,
                      "入户测温 412 户，整改 37 户，室温均达 18℃ 以上")  # fmt: skip
        self._call_in(p, self._lead(heat), street, "协调居民入户测温和管网施工占道", 325,
                      [(0, 11, "in", "负责入户协调和施工期间交通疏导"),
                       (20, 15, "done", "已完成 412 户入户协调")])  # fmt: skip
        self.at(320, lambda: services.hold_meeting(
            problem=self._fresh(p), actor=self.leader, held_at=clock.now(),
            place="碧水社区居委会", units=[heat, street, self._community("碧水")],
            people="包案领导、热力公司经理、青石镇分管副镇长、社区书记",
            decisions="春节前完成主管网更换；施工期间临时加压供热",
        ), hour=14)  # fmt: skip
        self.at(285, self._act(
            p, services.resolve_problem, actor=self.leader, note="管网更换完成，室温达标",
        ))  # fmt: skip

    def _property(self) -> None:
        """幸福社区's idle property company: proposed from repeat complaints, resolved, and back."""
        p: dict[str, Problem] = {}
        street = self._street("幸福")
        housing = self._department("住房和城乡建设局")

        def propose() -> None:
            area = self._community("幸福")
            repeats = self._orders_about(area, ["05.01"], 3)
            if len(repeats) < 3:  # three repeats make a problem
                return
            p["p"] = services.propose_problem(
                actor=None, title="幸福社区物业长期不作为", source=Source.REPEATS,
                source_ref=f"同一地点同类诉求重复 {len(repeats)} 次", area=area,
                description="小区物业公司长期不履职：垃圾不清、电梯失修、门禁损坏，居民反复投诉。",
                categories=Category.objects.filter(code="05.01"), orders=repeats,
            )  # fmt: skip

        self.at(200, propose)
        self.at(198, self._accept(p, street, 90, self.first_batch, WatchRule(4, 0)))
        self.at(197, self._act(p, services.start_problem, actor=self._lead(street)))
        self._call_in(p, self._lead(street), housing, "督促物业公司履约，启动物业考核", 196,
                      [(0, 11, "in", "约谈物业公司，纳入信用考核"),
                       (30, 16, "done", "已约谈并记不良信用一次，责令限期整改")])  # fmt: skip
        self._measure(p, self._lead(street), "约谈物业公司并限期整改", street, 195, 170, 175,
                      "约谈两次，整改清单 12 项完成 11 项")  # fmt: skip
        self.at(60, self._act(
            p, services.resolve_problem, actor=self.leader, note="物业整改完成，业委会监督",
        ))  # fmt: skip

    def _night_market(self) -> None:
        """金沙街道's night market (茉莉社区): a campaign, a street that called in departments."""
        p: dict[str, Problem] = {}
        street = self._street("茉莉")
        codes = ["01.01", "01.04", "01.05"]

        def campaign() -> None:
            found = Campaign.objects.create(
                name="金沙街道夜市噪声油烟专项整治", area=street,
                starts=self.day(90).date(), ends=self.day(-30).date(), target_drop=30,
            )  # fmt: skip
            found.categories.set(Category.objects.filter(code__in=codes))
            found.problems.add(self._fresh(p))

        self.at(95, self._propose(
            p, actor=self.dispatcher, title="茉莉社区夜市占道经营、噪声和油烟扰民",
            source=Source.FINDING, source_ref="每月一题候选：金沙街道 占道经营", area=street,
            description="茉莉社区夜市摊位占道，深夜噪声和油烟扰民，投诉量全市居首。", codes=codes,
        ))  # fmt: skip
        self.at(95, self._link_matching(p, self.dispatcher, 8), hour=11)
        self.at(93, self._accept(p, street, -20, self.second_batch, WatchRule(6, 3)))
        self.at(92, self._act(p, services.start_problem, actor=self._lead(street)))
        self.at(91, campaign)
        lead = self._lead(street)
        self._call_in(p, lead, self._department("城市管理局"), "夜市占道经营联合执法", 90,
                      [(0, 11, "in", "每晚派执法队员驻点"),
                       (40, 16, "done", "驻点执法 40 晚，取缔占道摊位 26 处")])  # fmt: skip
        self._call_in(p, lead, self._department("生态环境局"), "餐饮油烟和噪声检测", 90,
                      [(3, 10, "in", "负责油烟净化设施检查和夜间噪声监测")])  # fmt: skip
        self._call_in(p, lead, self._department("市场监督管理局"), "无证经营摊点", 15, [])
        self.at(85, lambda: self._meeting(p, street), hour=20)
        self._measure(p, lead, "划定夜市经营区域，22:00 收摊", street, 84, 60, 62,
                      "已划定 48 个摊位，22:00 统一收摊")  # fmt: skip
        self._measure(p, lead, "餐饮摊位加装油烟净化器", street, 84, -15)

    def _meeting(self, p: dict[str, Problem], street: Unit) -> None:
        services.hold_meeting(
            problem=self._fresh(p), actor=self._lead(street), held_at=clock.now(),
            place="茉莉社区夜市现场", units=[street, self._department("城市管理局"),
                                             self._department("生态环境局")],
            people="街道办主任、城管中队长、生态环境局执法支队",
            decisions="划定经营区域并限时收摊；摊位加装油烟净化器",
        )  # fmt: skip

    def _building_site(self) -> None:
        """凤凰社区's building site: proposed with its orders, night work stopped, under watch."""
        p: dict[str, Problem] = {}
        environment = self._department("生态环境局")

        def propose() -> None:
            area = self._community("凤凰")
            orders = self._orders_about(area, ["07.03"], 4)
            if not orders:
                return
            p["p"] = services.propose_problem(
                actor=self.dispatcher, title="凤凰社区旁工地夜间施工噪声", source=Source.ORDERS,
                area=area, categories=Category.objects.filter(code="07.03"),
                description="工地长期夜间施工，周边居民无法休息。", orders=orders,
            )  # fmt: skip

        self.at(120, propose)
        self.at(118, self._accept(p, environment, 5, self.second_batch, WatchRule(4, 0)))
        self.at(117, self._act(p, services.start_problem, actor=self.leader))
        self._measure(p, self._lead(environment), "夜间施工许可从严审批，夜查", environment,
                      116, 30, 20, "夜查 16 次，处罚 2 次，夜间施工已停止")  # fmt: skip
        self.at(10, self._act(p, services.resolve_problem, actor=self.leader, note="夜间施工已停"))

    def _school_gate(self) -> None:
        """育才社区's school gate: a street's lead proposes it by hand; just taken on (立项)."""
        p: dict[str, Problem] = {}
        street, area = self._street("育才"), self._community("育才")

        def propose() -> None:
            p["p"] = services.propose_problem(
                actor=self._lead(street), title="育才小学门口接送车辆乱停", source=Source.MANUAL,
                area=area, categories=Category.objects.filter(code="06.03"),
                description="上下学时段家长车辆占道停放，交通拥堵，存在安全隐患。",
            )  # fmt: skip

        self.at(3, propose)
        # The traffic police's orders are out of the street's view: the centre links them.
        self.at(2, self._link_matching(p, self.dispatcher, 3))
        self.at(1, self._accept(p, street, -40, self.second_batch, WatchRule(4, 0)))
