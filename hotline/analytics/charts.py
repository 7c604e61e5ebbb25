"""Charts of a report, two ways: SVG drawn with matplotlib (PDF and HTML files), and ECharts
options (the console page).

Both come from the same decisions (``layout``): bars turn horizontal when there are many or long
labels, a pie keeps its largest slices and folds the rest into “其他”, and the colours are the
console's. matplotlib is imported inside the functions (it is slow to import) and is used
through ``Figure`` directly, never pyplot, so no GUI backend and no global figure state are
involved.

Chinese labels: text is drawn as paths (``svg.fonttype = "path"``) with the first CJK font
matplotlib knows of (“Noto Sans CJK SC” from Debian's fonts-noto-cjk here), DejaVu Sans as the
per-glyph fallback. The SVG therefore needs no font where it is shown (browser, WeasyPrint).
"""

from __future__ import annotations

import io
import math
import re
import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from .document import Chart

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

# The console's red first (see web/dashboard.html), then colours that stay apart in print.
PALETTE = [
    "#b91c1c",
    "#2563eb",
    "#d97706",
    "#059669",
    "#7c3aed",
    "#db2777",
    "#0891b2",
    "#65a30d",
    "#52606d",
    "#92400e",
]
CJK_FONTS = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
]
FONT_CSS = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif'

WIDTH_IN = 7.0  # the width of an A4 page between the print margins (178 mm)
MAX_PIE_SLICES = 10
MAX_BAR_HEIGHT_IN = 9.0
OTHER = "其他"
# rc_context changes matplotlib's global settings: one chart at a time (threaded servers).
_drawing = threading.Lock()


@dataclass(frozen=True)
class Layout:
    """How a chart is drawn, shared by the SVG and the ECharts renderings."""

    kind: str  # "bar", "line" or "pie"
    labels: list[str]
    series: dict[str, list[float | None]]
    horizontal: bool = False  # bars only
    rotate_labels: bool = False  # vertical bars and lines: slanted category labels
    height_px: int = 300  # ECharts container on the console page
    height_in: float = 2.8  # SVG figure

    @property
    def empty(self) -> bool:
        return not self.labels or not any(
            v is not None for values in self.series.values() for v in values
        )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _width(text: str) -> int:
    """Display width: a CJK character counts as two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def layout(chart: Chart) -> Layout:
    labels = [str(label) for label in chart.labels]
    series = {
        str(name): [_number(v) for v in list(values)[: len(labels)]]
        + [None] * (len(labels) - len(values))
        for name, values in chart.series.items()
    }
    if chart.kind == "pie":
        name, values = next(iter(series.items()), ("", []))
        items = sorted(
            ((label, v) for label, v in zip(labels, values, strict=True) if v and v > 0),
            key=lambda item: -item[1],
        )
        if len(items) > MAX_PIE_SLICES:
            rest = sum(v for _, v in items[MAX_PIE_SLICES - 1 :])
            items = items[: MAX_PIE_SLICES - 1] + [(OTHER, rest)]
        return Layout(
            "pie", [label for label, _ in items], {name: [v for _, v in items]}, height_in=2.6
        )
    longest = max((_width(label) for label in labels), default=0)
    if chart.kind == "bar" and (len(labels) > 8 or longest > 12):
        per_label = max(0.26, 0.1 * len(series))
        height_in = min(MAX_BAR_HEIGHT_IN, 0.6 + len(labels) * per_label)
        return Layout(
            "bar",
            labels,
            series,
            horizontal=True,
            height_px=int(max(240, min(900, 40 + len(labels) * per_label * 90))),
            height_in=height_in,
        )
    rotate = len(labels) * max(longest, 4) > 80
    kind = "line" if chart.kind == "line" else "bar"
    return Layout(kind, labels, series, rotate_labels=rotate, height_in=3.0 if rotate else 2.8)


# --- SVG ------------------------------------------------------------------------------------


@cache
def cjk_font_family() -> tuple[str, ...]:
    """The font families matplotlib draws with: the first CJK font it has, then DejaVu Sans."""
    from matplotlib import font_manager

    known = {entry.name for entry in font_manager.fontManager.ttflist}
    cjk = [name for name in CJK_FONTS if name in known][:1]
    return (*cjk, "DejaVu Sans")


def _rc() -> dict:
    return {
        "font.family": list(cjk_font_family()),
        "font.size": 9,
        "svg.fonttype": "path",
        "svg.hashsalt": "hotline-report",  # stable ids: the same chart gives the same SVG
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#9aa5b1",
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.color": "#e4e7eb",
        "grid.linewidth": 0.6,
        "xtick.color": "#3e4c59",
        "ytick.color": "#3e4c59",
        "legend.frameon": False,
    }


def _plain(text: str) -> str:
    """Keep labels literal: a '$' would otherwise start matplotlib mathtext."""
    return text.replace("$", r"\$")


def _value_formatter(values: list[float | None]) -> FuncFormatter | None:
    from matplotlib.ticker import FuncFormatter

    top = max((abs(v) for v in values if v is not None), default=0)
    if top >= 1000:
        return FuncFormatter(lambda x, _pos: f"{x:,.0f}")
    return None


def _draw_bars_or_lines(fig: Figure, lay: Layout) -> None:
    ax = fig.add_subplot()
    n = len(lay.series)
    positions = list(range(len(lay.labels)))
    all_values = [v for values in lay.series.values() for v in values]
    for i, (name, values) in enumerate(lay.series.items()):
        color = PALETTE[i % len(PALETTE)]
        ys = [math.nan if v is None else v for v in values]
        if lay.kind == "line":
            ax.plot(
                positions,
                ys,
                color=color,
                linewidth=1.6,
                label=_plain(name),
                marker="o" if len(positions) <= 31 else None,
                markersize=3,
            )
            continue
        thickness = 0.8 / n
        offsets = [p - 0.4 + thickness * (i + 0.5) for p in positions]
        if lay.horizontal:
            ax.barh(offsets, ys, height=thickness, color=color, label=_plain(name))
        else:
            ax.bar(offsets, ys, width=thickness, color=color, label=_plain(name))
    labels = [_plain(label) for label in lay.labels]
    formatter = _value_formatter(all_values)
    if lay.horizontal:
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()  # first label on top, as read
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", length=0)
        if formatter:
            ax.xaxis.set_major_formatter(formatter)
    else:
        step = max(1, math.ceil(len(positions) / 24))  # at most ~24 category ticks
        ax.set_xticks(positions[::step], labels[::step])
        ax.grid(axis="x", visible=False)
        if lay.rotate_labels:
            for tick in ax.get_xticklabels():
                tick.set_rotation(35)
                tick.set_horizontalalignment("right")
        if formatter:
            ax.yaxis.set_major_formatter(formatter)
        ax.set_xlim(-0.6, len(positions) - 0.4)
        if all(v is None or v >= 0 for v in all_values):
            ax.set_ylim(bottom=0)  # as ECharts does: no exaggerated swings
    if n > 1:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, 1.12), ncol=min(n, 5), fontsize=8)


def _draw_pie(fig: Figure, lay: Layout) -> None:
    ax = fig.add_subplot()
    values = [v or 0.0 for v in next(iter(lay.series.values()))]  # a slice of nothing is empty
    total = sum(values)
    wedges, _ = ax.pie(
        values,
        colors=[PALETTE[i % len(PALETTE)] for i in range(len(values))],
        startangle=90,
        counterclock=False,
        wedgeprops={"width": 0.45, "edgecolor": "white", "linewidth": 1},
    )
    ax.set_aspect("equal")
    legend = [
        _plain(f"{label}  {value:,.0f}（{value / total:.1%}）")
        for label, value in zip(lay.labels, values, strict=True)
    ]
    ax.legend(wedges, legend, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)


_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def _scope_ids(svg: str, prefix: str) -> str:
    """Prefix the SVG's ids so that several charts inline in one document do not collide."""
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    return _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


def chart_svg(chart: Chart, id_prefix: str = "chart", title: str | None = None) -> str:
    """An ``<svg>`` element (no XML prolog) drawing ``chart``, ``WIDTH_IN`` inches wide.

    ``title`` (default: the chart's title) becomes the SVG's accessible name; the visible
    title belongs to the surrounding HTML, where it stays selectable text.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    lay = layout(chart)
    with _drawing, rc_context(_rc()):
        fig = Figure(figsize=(WIDTH_IN, lay.height_in), dpi=72, layout="constrained")
        if lay.empty:
            fig.set_size_inches(WIDTH_IN, 1.0)
            fig.text(0.5, 0.5, "无数据", ha="center", va="center", color="#7b8794", fontsize=11)
        elif lay.kind == "pie":
            _draw_pie(fig, lay)
        else:
            _draw_bars_or_lines(fig, lay)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = _scope_ids(svg, id_prefix)
    label = _escape_attr(chart.title if title is None else title)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _escape_attr(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


# --- ECharts --------------------------------------------------------------------------------


def echarts_option(chart: Chart) -> dict:
    """A JSON-ready ECharts option for ``chart`` (no title: the page shows it as HTML)."""
    lay = layout(chart)
    option: dict = {"color": PALETTE, "animation": False, "textStyle": {"fontFamily": FONT_CSS}}
    if lay.empty:
        option["title"] = {
            "text": "无数据",
            "left": "center",
            "top": "middle",
            "textStyle": {"color": "#7b8794", "fontSize": 14},
        }
        return option
    if lay.kind == "pie":
        name, values = next(iter(lay.series.items()))
        option |= {
            "tooltip": {"trigger": "item", "formatter": "{b}: {c}（{d}%）"},
            "legend": {"type": "scroll", "orient": "vertical", "right": 10, "top": "middle"},
            "series": [
                {
                    "name": name,
                    "type": "pie",
                    "radius": ["35%", "65%"],
                    "center": ["35%", "50%"],
                    "label": {"show": False},  # the legend names the slices, the tooltip counts
                    "data": [
                        {"name": label, "value": v}
                        for label, v in zip(lay.labels, values, strict=True)
                    ],
                }
            ],
        }
        return option
    several = len(lay.series) > 1
    category: dict[str, Any] = {"type": "category", "data": lay.labels}
    value_axis: dict[str, Any] = {"type": "value"}
    if lay.horizontal:
        category |= {"inverse": True, "axisTick": {"show": False}}
        x_axis, y_axis = value_axis, category
    else:
        category["axisLabel"] = {"rotate": 35} if lay.rotate_labels else {}
        if lay.kind == "line":
            category["boundaryGap"] = False
        x_axis, y_axis = category, value_axis
    option |= {
        "tooltip": {"trigger": "axis"},
        "grid": {
            "left": 10,
            "right": 20,
            "top": 36 if several else 12,
            "bottom": 10,
            "containLabel": True,
        },
        "xAxis": x_axis,
        "yAxis": y_axis,
        "series": [
            {"name": name, "type": lay.kind, "data": values}
            | (
                {"showSymbol": len(lay.labels) <= 31, "connectNulls": False}
                if lay.kind == "line"
                else {}
            )
            for name, values in lay.series.items()
        ],
    }
    if several:
        option["legend"] = {"type": "scroll", "top": 0}
    return option
