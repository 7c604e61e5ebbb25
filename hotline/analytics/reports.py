"""The daily summary (日报), weekly evaluation (周评) and monthly analysis (月度分析) as
``Report``s.

Figures of rates and volumes come from the rollup (``selectors``), lists of orders from the
orders themselves, and the statistical findings from ``findings``. Each table row that stands for
orders links to them in the console's order list (``orders_url``); personal data (phones) never
appears in a report, only the orders' numbers.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.utils import timezone

from hotline.catalog.choices import OrderType, Urgency
from hotline.catalog.models import Category
from hotline.core import clock
from hotline.orders.models import Channel, Event, WorkOrder
from hotline.orders.workflow import OPEN
from hotline.org.models import Unit
from hotline.problems import selectors as problem_selectors
from hotline.sla.worktime import SHANGHAI

from . import findings, selectors, themes
from .document import Cell, Chart, Report, Section, Table
from .rates import CALL_IN_RATE, RATES, rounded
from .selectors import Counts, Period

HEADLINE_RATES = (
    "accepted_in_time_rate",
    "first_contact_rate",
    "on_time_completion_rate",
    "resolution_rate",
    "satisfaction_rate",
)
LIST_LIMIT = 50


# --- helpers --------------------------------------------------------------------------------------


def orders_url(*, numbers: Sequence[str] = (), **filters: Cell) -> str:
    """The console's order list with these filters (see ``web.views.order_list``)."""
    query = {k: v for k, v in filters.items() if v not in (None, "")}
    if numbers:
        query["numbers"] = ",".join(numbers)
    return "/orders/?" + urlencode(query)


def _bounds(period: Period) -> tuple[datetime, datetime]:
    start = datetime.combine(period.start, time.min, tzinfo=SHANGHAI)
    return start, datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def _registered(period: Period) -> QuerySet[WorkOrder]:
    since, until = _bounds(period)
    return WorkOrder.objects.filter(registered_at__gte=since, registered_at__lt=until)


def _period_filters(period: Period) -> dict[str, str]:
    return {"since": period.start.isoformat(), "until": period.end.isoformat()}


def _categories() -> dict[int, Category]:
    return {c.pk: c for c in Category.objects.all()}


def _units() -> dict[int, Unit]:
    return {u.pk: u for u in Unit.objects.all()}


def _change(now: int, before: int) -> float | None:
    return (now - before) / before if before else None


def _definitions() -> list[tuple[str, str]]:
    return [(r.name, r.definition) for r in RATES] + [
        (
            "综合得分",
            "响应率（先行联系率）× 20% + 解决率 × 40% + 满意率 × 40%（权重可配置）；"
            "某项无统计对象时，其权重按比例分给其他各项",
        ),
        ("满意度得分", "满意 100 分、基本满意 80 分、不满意 0 分的平均分（分值可配置）"),
    ]


def _rate_row(counts: Counts) -> list[float | None]:
    values = {r.code: r.of(counts) for r in RATES}
    return [values[code] for code in HEADLINE_RATES]


_RATE_NAMES = [next(r.name for r in RATES if r.code == code) for code in HEADLINE_RATES]


def _order_rows(
    orders: Iterable[WorkOrder], *extra: Callable[[WorkOrder], Cell]
) -> tuple[list[list[Cell]], list[str | None]]:
    rows: list[list[Cell]] = []
    links: list[str | None] = []
    for o in orders:
        rows.append(
            [
                o.number,
                o.title,
                o.category.name if o.category is not None else "未分类",
                o.unit.name if o.unit is not None else "—",
                *[fn(o) for fn in extra],
            ]
        )
        links.append(f"/orders/{o.number}/")
    return rows, links


# --- rankings (weekly and monthly) ----------------------------------------------------------------


def ranking_section(title: str, period: Period) -> Section:
    """One ranking table per kind of unit of the same level, with the change of place, and the
    streets' scores as a chart."""
    labels = dict(selectors.ranked_kinds())
    tables: list[Table] = []
    chart: Chart | None = None
    for kind, table in selectors.unit_rankings(period).items():
        rows: list[list[Cell]] = []
        links: list[str | None] = []
        for f in table:
            s = f.standing
            assert s is not None, "unit_rankings gives every unit of its tables a standing"
            rows.append(
                [
                    s.rank,
                    f.unit.name,
                    rounded(f.score, 2),
                    *_rate_row(f.counts),
                    rounded(f.call_in_answer_rate),
                    rounded(f.satisfaction_score, 2),
                    f.counts["dispatched"],
                    s.previous_rank,
                    s.change,
                ]
            )
            links.append(orders_url(unit=f.unit.pk, **_period_filters(period)))
        tables.append(
            Table(
                f"{labels[kind]}综合排名",
                [
                    "名次",
                    "单位",
                    "综合得分",
                    *_RATE_NAMES,
                    CALL_IN_RATE.name,
                    "满意度得分",
                    "派单量",
                    "上期名次",
                    "名次变化",
                ],
                rows,
                links,
                percent_columns=frozenset(range(3, 4 + len(HEADLINE_RATES))),
                note="名次变化为正表示上升；本期无派单的单位不参加排名；一呼即应率不计入综合得分",
            )
        )
        if kind == Unit.Kind.STREET:
            scored = [(f.unit.name, f.score) for f in table if f.score is not None]
            chart = Chart(
                f"{labels[kind]}综合得分",
                "bar",
                [name for name, _ in scored],
                {"综合得分": [round(score, 1) for _, score in scored]},
            )
    return Section(title, tables=tables, charts=[chart] if chart else [])


def _overall_rates(now: Counts, before: Counts) -> Table:
    rows = []
    for r in RATES:
        a, b = r.of(now), r.of(before)
        rows.append(
            [
                r.name,
                a,
                b,
                None if a is None or b is None else a - b,
                r.numerator(now),
                r.denominator(now),
            ]
        )
    return Table(
        "全市指标",
        ["指标", "本期", "上期", "变化", "分子", "分母"],
        rows,
        percent_columns=frozenset({1, 2, 3}),
        note="变化为本期减上期的百分点",
    )


# --- daily summary --------------------------------------------------------------------------------


def daily_summary(day: date) -> Report:
    """日报: the day's volumes by channel, type, category and unit; new against closed over the
    last two weeks; the urgent orders registered, the orders overdue at the end of the day and
    the unsatisfied visits."""
    period = Period(day, day)
    f = _period_filters(period)
    sections = [
        _daily_overview_section(period, f),
        _daily_workload_section(period, f),
        _daily_attention_section(period),
        _hot_issues_section(day),
    ]
    return Report(
        f"{day:%Y年%m月%d日} 12345热线日报", str(period), clock.now(), sections, _definitions()
    )


def _daily_overview_section(period: Period, f: dict[str, str]) -> Section:
    """一、总体情况: the day's totals in a sentence, its registrations by channel and by type,
    and a chart of registered against closed over the two weeks up to the day."""
    day = period.end
    totals = selectors.totals(period)
    registered = _registered(period)
    channels, types = dict(Channel.choices), dict(OrderType.choices)
    by_channel = registered.values_list("channel").annotate(n=Count("pk")).order_by("-n")
    by_type = registered.values_list("order_type").annotate(n=Count("pk")).order_by("-n")
    fortnight = Period(day - timedelta(days=13), day)
    per_day = selectors.counters(fortnight, by=("day",))
    days = [fortnight.start + timedelta(days=i) for i in range(14)]
    return Section(
        "一、总体情况",
        (
            f"{day:%Y年%m月%d日}共登记诉求 {totals['registered']:,} 件，"
            f"办结 {totals['closed']:,} 件，"
            f"派单 {totals['dispatched']:,} 次，直接答复 {totals['answered']:,} 件，"
            f"回访 {totals['visited']:,} 次。"
        ),
        tables=[
            Table(
                "按渠道",
                ["渠道", "登记量"],
                [[str(channels.get(c, c)), n] for c, n in by_channel],
                [orders_url(channel=c, **f) for c, _ in by_channel],
            ),
            Table(
                "按诉求类型",
                ["类型", "登记量"],
                [[str(types.get(t, t)), n] for t, n in by_type],
                [orders_url(order_type=t, **f) for t, _ in by_type],
            ),
        ],
        charts=[
            Chart(
                "近两周登记与办结",
                "line",
                [f"{d:%m-%d}" for d in days],
                {
                    "登记": [per_day.get((d,), {}).get("registered", 0) for d in days],
                    "办结": [per_day.get((d,), {}).get("closed", 0) for d in days],
                },
            ),
        ],
    )


def _daily_workload_section(period: Period, f: dict[str, str]) -> Section:
    """二、分类与承办单位: the 15 categories most registered in the period, and each unit's
    dispatched, accepted, due, finished-on-time and visited orders."""
    categories = _categories()
    by_category = sorted(
        selectors.counters(period, by=("category_id",)).items(), key=lambda kv: -kv[1]["registered"]
    )
    units = _units()
    by_unit = sorted(
        ((k, c) for k, c in selectors.counters(period, by=("unit_id",)).items() if k[0]),
        key=lambda kv: -kv[1]["dispatched"],
    )
    return Section(
        "二、分类与承办单位",
        tables=[
            Table(
                "诉求分类（前 15）",
                ["编码", "分类", "登记量"],
                [
                    [
                        categories[k[0]].code if k[0] in categories else "",
                        categories[k[0]].name if k[0] in categories else "未分类",
                        c["registered"],
                    ]
                    for k, c in by_category[:15]
                ],
                [
                    orders_url(category=categories[k[0]].code if k[0] in categories else "", **f)
                    for k, _ in by_category[:15]
                ],
            ),
            Table(
                "承办单位",
                ["单位", "派单", "签收", "到期", "按时办结", "回访"],
                [
                    [
                        units[k[0]].name if k[0] in units else "—",
                        c["dispatched"],
                        c["accepted"],
                        c["due"],
                        c["finished_on_time"],
                        c["visited"],
                    ]
                    for k, c in by_unit
                ],
                [orders_url(unit=k[0], **f) for k, _ in by_unit],
            ),
        ],
    )


def _daily_attention_section(period: Period) -> Section:
    """三、需要关注的工单: the urgent orders registered in the period, the open orders that were
    due before its end (the earliest first), and the orders visited unsatisfied in it."""
    since, until = _bounds(period)
    urgent = (
        _registered(period)
        .exclude(urgency=Urgency.NORMAL)
        .select_related("category", "unit")
        .order_by("registered_at")
    )
    overdue = (
        WorkOrder.objects.filter(status__in=OPEN, due_at__lt=until)
        .select_related("category", "unit")
        .order_by("due_at")
    )
    unsatisfied_ids = Event.objects.filter(
        action="visit", at__gte=since, at__lt=until, payload__satisfaction="unsatisfied"
    ).values_list("order_id", flat=True)
    unsatisfied = WorkOrder.objects.filter(
        pk__in=list(unsatisfied_ids[:LIST_LIMIT])
    ).select_related("category", "unit")
    urgency = dict(Urgency.choices)
    return Section(
        "三、需要关注的工单",
        tables=[
            Table(
                "紧急工单",
                ["工单编号", "标题", "分类", "承办单位", "紧急程度"],
                *_order_rows(urgent[:LIST_LIMIT], lambda o: str(urgency[o.urgency])),
            ),
            Table(
                "日终超期工单",
                ["工单编号", "标题", "分类", "承办单位", "时限"],
                *_order_rows(
                    overdue[:LIST_LIMIT],
                    lambda o: timezone.localtime(o.due_at).strftime("%m-%d %H:%M"),
                ),
                note=f"共 {overdue.count():,} 件，列出最早到期的 {LIST_LIMIT} 件",
            ),
            Table(
                "不满意回访", ["工单编号", "标题", "分类", "承办单位"], *_order_rows(unsatisfied)
            ),
        ],
    )


HOT_ISSUE_TEXTS = 3_000  # the newest requests read for hot issues: bounded work on a busy day


def _hot_issues_section(day: date) -> Section:
    """Requests of the past week that many people made about the same problem at the same
    place, found in their text (``themes``); the newest few thousand are read."""
    week = Period(day - timedelta(days=6), day)
    recent = (
        _registered(week)
        .exclude(status="cancelled")
        .select_related("community")
        .order_by("-registered_at")[:HOT_ISSUE_TEXTS]
    )
    messages = [
        themes.Message(
            o.number,
            o.text,
            o.title,
            o.community.name if o.community is not None else o.address,
            o.registered_at,
            o.caller_phone or None,
        )
        for o in recent
    ]
    issues = themes.discover_hot_issues(messages, top=10)
    rows: list[list[Cell]] = [
        [
            i.label,
            i.size,
            i.messages,
            timezone.localtime(i.first).strftime("%m-%d"),
            timezone.localtime(i.last).strftime("%m-%d"),
        ]
        for i in issues
    ]
    return Section(
        "四、近一周热点问题",
        "从近 7 天的诉求文本中找出多人反映的同一地点、同一问题（文本聚类），宜并单处理或提前部署。",
        tables=[
            Table(
                "热点问题",
                ["问题（关键词）", "反映人数", "工单数", "首次", "最近"],
                rows,
                [orders_url(numbers=list(map(str, i.ids[:100]))) for i in issues],
            )
        ],
    )


# --- weekly evaluation ----------------------------------------------------------------------------


def weekly_evaluation(day: date) -> Report:
    """周评: the week's (Monday to Sunday) rates against the week before, and every ranked kind
    of unit with its place and the change of place."""
    week = Period.week_of(day)
    totals, before = selectors.totals(week), selectors.totals(week.previous())
    summary = Section(
        "一、本周概况",
        (
            f"本周登记 {totals['registered']:,} 件（上周 {before['registered']:,} 件），"
            f"办结 {totals['closed']:,} 件，到期 {totals['due']:,} 件，"
            f"回访 {totals['visited']:,} 次。"
        ),
        tables=[_overall_rates(totals, before)],
    )
    ranking = ranking_section("二、单位考核排名", week)
    return Report(
        f"{week.start:%Y年%m月%d日}所在周 12345热线周评",
        str(week),
        clock.now(),
        [summary, ranking],
        _definitions(),
    )


# --- monthly analysis -----------------------------------------------------------------------------


def monthly_analysis(period: Period) -> Report:
    """月度分析: volumes and rates against last month and last year; the top categories with
    their month-over-month and year-over-year change; sudden rises; hot spots; repeat callers;
    the unit rankings; candidate themes for 每月一题; early warnings for the coming month; and
    the hard problems: per leader and batch, 一呼即应 and the campaigns' progress."""
    totals, previous, last_year = (
        selectors.totals(p) for p in (period, period.previous(), period.year_before())
    )
    f = _period_filters(period)
    overview = Section(
        "一、总体情况",
        (
            f"{period}共登记诉求 {totals['registered']:,} 件，"
            f"环比 {_pct_text(_change(totals['registered'], previous['registered']))}，"
            f"同比 {_pct_text(_change(totals['registered'], last_year['registered']))}；"
            f"办结 {totals['closed']:,} 件。"
        ),
        tables=[_overall_rates(totals, previous)],
        charts=[_daily_chart(period)],
    )
    sections = [
        overview,
        _category_section(period, f),
        _rises_section(period),
        _hot_spot_section(period, f),
        ranking_section("五、单位考核排名", period),
        _themes_section(period, f),
        _warnings_section(period),
        _problems_section(period),
    ]
    return Report(f"{period} 12345热线运行分析", str(period), clock.now(), sections, _definitions())


def _pct_text(value: float | None) -> str:
    if value is None:
        return "无可比数据"
    return f"{'上升' if value >= 0 else '下降'} {abs(value) * 100:.1f}%"


def _daily_chart(period: Period) -> Chart:
    per_day = selectors.counters(period, by=("day",))
    days = [period.start + timedelta(days=i) for i in range((period.end - period.start).days + 1)]
    return Chart(
        "每日登记与办结",
        "line",
        [f"{d:%m-%d}" for d in days],
        {
            "登记": [per_day.get((d,), {}).get("registered", 0) for d in days],
            "办结": [per_day.get((d,), {}).get("closed", 0) for d in days],
        },
    )


def _by_category(period: Period) -> dict[int, int]:
    return {
        k[0]: c["registered"] for k, c in selectors.counters(period, by=("category_id",)).items()
    }


def _category_section(period: Period, f: dict[str, str]) -> Section:
    categories = _categories()
    now, before, year = (
        _by_category(period),
        _by_category(period.previous()),
        _by_category(period.year_before()),
    )
    top = sorted(now, key=lambda k: -now[k])[:10]
    names = [categories[k].name if k in categories else "未分类" for k in top]
    rows: list[list[Cell]] = [
        [
            categories[k].code if k in categories else "",
            name,
            now[k],
            before.get(k, 0),
            _change(now[k], before.get(k, 0)),
            year.get(k, 0),
            _change(now[k], year.get(k, 0)),
        ]
        for k, name in zip(top, names, strict=True)
    ]
    return Section(
        "二、诉求分类",
        tables=[
            Table(
                "登记量前十的分类",
                ["编码", "分类", "本月", "上月", "环比", "去年同月", "同比"],
                rows,
                [orders_url(category=r[0], **f) for r in rows],
                percent_columns=frozenset({4, 6}),
            )
        ],
        charts=[
            Chart(
                "登记量前十的分类",
                "bar",
                names,
                {"本月": [now[k] for k in top], "上月": [before.get(k, 0) for k in top]},
            )
        ],
    )


def _rises_section(period: Period) -> Section:
    """Weekly counts per category over half a year; the week under review is the last full week
    of the month (Monday to Sunday)."""
    last_sunday = period.end - timedelta(days=(period.end.weekday() + 1) % 7)
    span = Period(last_sunday - timedelta(days=7 * 27 - 1), last_sunday)
    weekly: dict[int, list[int]] = defaultdict(lambda: [0] * 27)
    for (monday, category_id), counts in selectors.counters(
        span, by=("week", "category_id"), fields=("registered",)
    ).items():
        weekly[category_id][(monday - span.start).days // 7] += counts["registered"]
    categories = _categories()
    rises = findings.sudden_rises(weekly)
    week = Period(last_sunday - timedelta(days=6), last_sunday)
    rows: list[list[Cell]] = [
        [
            categories[r.key].name if r.key in categories else "未分类",
            r.current,
            round(r.expected, 1),
            round(r.ratio, 2),
            r.p_value,
        ]
        for r in rises[:10]
    ]
    links: list[str | None] = [
        orders_url(
            category=categories[r.key].code if r.key in categories else "", **_period_filters(week)
        )
        for r in rises[:10]
    ]
    return Section(
        "三、突增诉求",
        f"与此前各周相比，{week.start:%m月%d日}至{week.end:%m月%d日}一周中异常增多的分类"
        "（按此前 26 周的波动计算显著性，而非固定阈值）。",
        tables=[Table("突增分类", ["分类", "本周", "此前周均", "倍数", "显著性 p"], rows, links)],
    )


def _repeated(
    orders: QuerySet[WorkOrder], field: str, at_least: int
) -> QuerySet[WorkOrder, tuple[str, str]]:
    """(value, number) of the orders whose ``field`` recurs: the database finds the values that
    occur ``at_least`` times as written, so a month of a large city is not read row by row; the
    finding then merges their spellings (a spelling seen fewer times is not merged in)."""
    values = (
        orders.exclude(**{field: ""})
        .values_list(field)
        .annotate(n=Count("pk"))
        .filter(n__gte=at_least)
        .values_list(field, flat=True)
    )
    return orders.filter(**{f"{field}__in": list(values[:5_000])}).values_list(field, "number")


def _parent_name(units: dict[int, Unit], unit: Unit) -> str:
    parent = units.get(unit.parent_id) if unit.parent_id is not None else None
    return parent.name if parent is not None else ""


def _hot_spot_section(period: Period, f: dict[str, str]) -> Section:
    registered = _registered(period).exclude(status="cancelled")
    units = _units()
    communities = (
        registered.exclude(community=None)
        .values_list("community")
        .annotate(n=Count("pk"))
        .order_by("-n")[:10]
    )
    places = findings.hot_spots(_repeated(registered, "address", 2), min_orders=3)
    callers = findings.repeat_callers(_repeated(registered, "caller_phone", 3), min_orders=3)
    return Section(
        "四、热点与重复来电",
        tables=[
            Table(
                "诉求最多的社区",
                ["社区", "所属街道", "登记量"],
                [[units[c].name, _parent_name(units, units[c]), n] for c, n in communities],
                [orders_url(community=c, **f) for c, _ in communities],
            ),
            Table(
                "同一地址的重复诉求",
                ["地址", "工单数"],
                [[g.label, g.orders] for g in places[:15]],
                [orders_url(numbers=list(map(str, g.order_ids[:100]))) for g in places[:15]],
            ),
            Table(
                "重复来电",
                ["来电人", "工单数", "工单编号"],
                [
                    [f"来电人{i + 1}", g.orders, "、".join(map(str, g.order_ids[:5]))]
                    for i, g in enumerate(callers[:15])
                ],
                [orders_url(numbers=list(map(str, g.order_ids[:100]))) for g in callers[:15]],
                note="同一号码本月三次及以上来电；报告中不显示号码",
            ),
        ],
    )


def _themes_section(period: Period, f: dict[str, str]) -> Section:
    categories = _categories()
    rows = [
        (k[0], k[1], k[2], c["registered"])
        for k, c in selectors.counters(period, by=("category_id", "unit_id", "street_id")).items()
        if k[0]
    ]
    candidates = findings.monthly_theme_candidates(
        (category, unit or None, street or None, n) for category, unit, street, n in rows
    )
    table = Table(
        "每月一题候选",
        ["分类", "工单数", "涉及单位", "涉及街道", "得分"],
        [
            [categories[c.key].name, c.orders, c.units, c.areas, round(c.score, 1)]
            for c in candidates
        ],
        [orders_url(category=categories[c.key].code, **f) for c in candidates],
        note="多发且分散在多个单位、多个街道的问题，适合作为“每月一题”从根本上治理",
    )
    return Section("六、每月一题候选", tables=[table])


def _warnings_section(period: Period) -> Section:
    following = period.end + timedelta(days=1)
    target = (following.year, following.month)
    history = Period(date(following.year - 4, following.month, 1), period.end)
    monthly: dict[int, Counter] = defaultdict(Counter)
    for (first, category_id), counts in selectors.counters(
        history, by=("month", "category_id"), fields=("registered",)
    ).items():
        monthly[category_id][(first.year, first.month)] += counts["registered"]
    categories = _categories()
    warnings = findings.seasonal_warnings(
        monthly, target, start=(history.start.year, history.start.month)
    )
    rows: list[list[Cell]] = [
        [
            categories[w.key].name if w.key in categories else "未分类",
            round(w.level, 1),
            w.expected,
            round(w.factor, 2),
            "、".join(map(str, w.years)),
        ]
        for w in warnings[:10]
    ]
    return Section(
        "七、下月预警（未诉先办）",
        f"根据往年同期规律，{following.year}年{following.month}月可能明显增多的诉求，宜提前部署。",
        tables=[
            Table("季节性预警", ["分类", "近12个月月均", "预计", "季节系数", "依据年份"], rows)
        ],
    )


_TALLY_COLUMNS = ["立项", "解决", "销号", "回潮", "逾期"]


def _tally_table(title: str, first_column: str, period: Period, by: str) -> Table:
    tallies = problem_selectors.period_tallies(period.start, period.end, by)
    fields = [*problem_selectors.TALLIED, "overdue"]
    rows: list[list[Cell]] = [[name, *[t[f] for f in fields]] for name, t in tallies.items()]
    return Table(title, [first_column, *_TALLY_COLUMNS], rows, note="逾期：尚未解决且已过办结时限")


def _problems_section(period: Period) -> Section:
    """八、难题攻坚: problems per leader and per batch, 一呼即应 per unit, campaigns' progress."""
    calls = problem_selectors.call_in_counts(period.start, period.end)
    call_rows: list[list[Cell]] = [
        [c["unit"], c["called_in"], c["reported_in_on_time"], c["call_in_answer_rate"]]
        for c in calls
    ]
    campaign_rows: list[list[Cell]] = []
    for campaign in problem_selectors.campaigns_during(period.start, period.end):
        progress = problem_selectors.campaign_progress(campaign, period.end)
        campaign_rows.append(
            [
                campaign.name,
                f"{campaign.starts} 至 {campaign.ends}",
                progress.this_year,
                progress.last_year,
                None if progress.drop is None else round(progress.drop, 1),
                campaign.target_drop,
                {True: "达标", False: "未达标", None: "—"}[progress.on_target],
            ]
        )
    return Section(
        "八、难题攻坚",
        "包案难题的立项、解决、销号与回潮；吹哨报到的一呼即应情况；专项整治的进展。",
        tables=[
            _tally_table("按包案领导", "包案领导", period, "leader"),
            _tally_table("按批次", "批次", period, "batch"),
            Table(
                "一呼即应",
                ["单位", "被吹哨次数", "按时报到次数", CALL_IN_RATE.name],
                call_rows,
                percent_columns=frozenset({3}),
                note=CALL_IN_RATE.definition,
            ),
            Table(
                "专项整治进展（开始以来，与去年同期相比）",
                ["专项整治", "期间", "工单数", "去年同期", "降幅（%）", "目标降幅（%）", "进展"],
                campaign_rows,
            ),
        ],
    )
