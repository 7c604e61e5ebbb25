"""A ``Report`` shown three ways: a standalone HTML document, a PDF, an Excel workbook.

API
---
``to_html(report, *, base_url=None) -> str``
    A complete HTML document (``analytics/report_print.html``): charts inline as SVG, no script,
    no external resource, so it works offline and is what the PDF is made from.
``to_pdf(report, *, base_url=None) -> bytes``
    WeasyPrint's rendering of ``to_html``: A4, page numbers, text (Chinese too) selectable,
    charts as vector paths.
``to_xlsx(report, *, base_url=None) -> bytes``
    A workbook: a summary sheet (title, period, generated time, contents, definitions), then one
    sheet per table.
``body_context(report, *, svg=False, prefix="report", base_url=None, relative_links=True)``
    ``-> dict``: what ``analytics/report_body.html`` needs (see below).
``format_cell(value, percent=False) -> str``, ``sheet_names(titles, taken=None) -> list[str]``
    The cell formatting ("97.3%", "—", "12,345") and the sheet naming, for reuse.

``base_url`` (e.g. ``"https://12345.example.gov.cn"``) makes the rows' site-relative links
absolute. Without it the HTML file and the PDF show the rows without links (a relative link
means nothing outside the site) and the workbook keeps them relative.

Console page contract
---------------------
The view adds ``body_context(report)`` to its context (it holds ``report`` and
``report_body``); the page then::

    {% include "analytics/report_body.html" %}
    <script src="{% static 'web/vendor/echarts-5.6.0.min.js' %}"></script>
    <script src="{% static 'analytics/report.js' %}"></script>

The body is a ``<div class="report-body">`` with its own small ``<style>`` (classes all start
with ``report-``; the rest comes from ``web/base.html``). It does not show the report's title,
period or generated time: the page does, in its own heading. Each chart is a
``<div class="report-plot" data-echarts="ID">`` followed by ``json_script`` element ``ID`` holding
its ECharts option; ``report.js`` draws every such div on load, and again under whatever htmx
swaps in (``window.drawReportCharts(root)`` does it by hand). Pass a distinct ``prefix`` to show
two reports on one page. With ``svg=True`` the charts are inline SVG instead (no JavaScript
needed; that is what the print document uses).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from . import charts
from .document import Cell, Report, Section, Table

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell as XlsxCell
    from openpyxl.styles import Font
    from openpyxl.worksheet.worksheet import Worksheet

EMPTY = "—"


# --- Cells ----------------------------------------------------------------------------------


def _finite(value: Cell) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def format_cell(value: Cell, percent: bool = False) -> str:
    """A cell as text: ``None`` → "—", rates → "97.3%", numbers with thousands separators."""
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return EMPTY
        if percent:
            return f"{value * 100:.1f}%"
        if isinstance(value, int) or (value.is_integer() and abs(value) < 1e15):
            return f"{int(value):,}"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def format_datetime(moment: datetime) -> str:
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%Y-%m-%d %H:%M")


def _absolute(link: str | None, base_url: str | None) -> str | None:
    if not link:
        return None
    return urljoin(base_url.rstrip("/") + "/", link) if base_url else link


# --- The body's context ---------------------------------------------------------------------


@dataclass
class CellView:
    text: str
    numeric: bool


@dataclass
class RowView:
    cells: list[CellView]
    link: str | None


@dataclass
class TableView:
    title: str
    note: str
    columns: list[CellView]  # header texts; numeric columns are right-aligned
    rows: list[RowView]


@dataclass
class ChartView:
    title: str
    kind: str
    option_id: str
    option: dict | None = None  # ECharts, when drawn in the browser
    svg: str = ""  # inline SVG, when drawn on the server
    height_px: int = 300
    wide: bool = False


@dataclass
class SectionView:
    title: str
    text: str
    charts: list[ChartView] = field(default_factory=list)
    tables: list[TableView] = field(default_factory=list)


def _table_view(table: Table, relative_links: bool, base_url: str | None) -> TableView:
    width = max([len(table.columns), *(len(row) for row in table.rows)], default=0)
    columns = list(table.columns) + [""] * (width - len(table.columns))
    numeric = []
    for i in range(width):
        values = [row[i] for row in table.rows if i < len(row) and row[i] is not None]
        numeric.append(bool(values) and all(_finite(v) for v in values))
    rows = []
    for r, row in enumerate(table.rows):
        cells = [
            CellView(
                format_cell(row[i] if i < len(row) else None, i in table.percent_columns),
                numeric[i],
            )
            for i in range(width)
        ]
        link = table.links[r] if r < len(table.links) else None
        if not base_url and not relative_links:
            link = None  # a site-relative link means nothing in a file
        rows.append(RowView(cells, _absolute(link, base_url)))
    headers = [CellView(title, flag) for title, flag in zip(columns, numeric, strict=True)]
    return TableView(table.title, table.note, headers, rows)


def body_context(
    report: Report,
    *,
    svg: bool = False,
    prefix: str = "report",
    base_url: str | None = None,
    relative_links: bool = True,
) -> dict:
    """The context of ``analytics/report_body.html``: ``report`` and ``report_body``.

    ``report_body`` is a dict: ``prefix``, ``svg``, ``definitions`` (the report's pairs) and
    ``sections``, a list of ``SectionView`` (title, text, charts: ``ChartView`` with its ECharts
    ``option`` or its ``svg``; tables: ``TableView`` with cells already formatted and links
    resolved). ``svg=True`` draws the charts on the server (slower: matplotlib). Row links are
    made absolute with ``base_url``; without it they stay site-relative, or are dropped when
    ``relative_links`` is false (a file has no site to be relative to).
    """
    sections = []
    for s, section in enumerate(report.sections, start=1):
        view = SectionView(section.title, section.text)
        for c, chart in enumerate(section.charts, start=1):
            chart_id = f"{prefix}-s{s}-c{c}"
            lay = charts.layout(chart)
            item = ChartView(
                chart.title,
                chart.kind,
                option_id=f"{chart_id}-option",
                height_px=lay.height_px,
                wide=lay.horizontal or len(lay.labels) > 12 or lay.kind == "line",
            )
            if svg:
                item.svg = mark_safe(charts.chart_svg(chart, id_prefix=chart_id))
            else:
                item.option = charts.echarts_option(chart)
            view.charts.append(item)
        view.tables = [_table_view(t, relative_links, base_url) for t in section.tables]
        sections.append(view)
    return {
        "report": report,
        "report_body": {
            "prefix": prefix,
            "svg": svg,
            "sections": sections,
            "definitions": list(report.definitions),
        },
    }


# --- HTML and PDF ---------------------------------------------------------------------------


def to_html(report: Report, *, base_url: str | None = None) -> str:
    """The standalone document: print CSS, charts inline as SVG, no script."""
    context = body_context(report, svg=True, base_url=base_url, relative_links=False)
    context["generated"] = format_datetime(report.generated_at)
    return render_to_string("analytics/report_print.html", context)


def to_pdf(report: Report, *, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=to_html(report, base_url=base_url), base_url=base_url).write_pdf()


# --- Excel ----------------------------------------------------------------------------------

_FORBIDDEN_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
SHEET_NAME_MAX = 31


def sheet_names(titles: list[str], taken: set[str] | None = None) -> list[str]:
    """Sheet names for ``titles``: legal in Excel, at most 31 characters, unique (Excel compares
    them ignoring case), in order."""
    used = {name.casefold() for name in taken or ()}
    names = []
    for n, title in enumerate(titles, start=1):
        base = _FORBIDDEN_SHEET_CHARS.sub(" ", title)
        base = re.sub(r"\s+", " ", base).strip().strip("'").strip() or f"表{n}"
        if base.casefold() == "history":  # reserved by Excel
            base = f"{base} 表"
        name, k = base[:SHEET_NAME_MAX], 1
        while name.casefold() in used:
            k += 1
            suffix = f" ({k})"
            name = base[: SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
        used.add(name.casefold())
        names.append(name)
    return names


def _xlsx_text(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _put(cell: XlsxCell, value: Cell) -> None:
    """Store ``value`` as itself; text stays text even when it starts with '='."""
    if isinstance(value, str):
        cell.value = _xlsx_text(value)
        cell.data_type = "s"  # never a formula
    elif _finite(value):
        cell.value = value
    else:
        cell.value = None


def _display_width(value: Cell, percent: bool) -> int:
    return charts._width(format_cell(value, percent)) if value is not None else 0


def to_xlsx(report: Report, *, base_url: str | None = None) -> bytes:
    """The report as a workbook: a summary sheet, then one sheet per table."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    link_font = Font(color="0563C1", underline="single")

    tables = [(section, table) for section in report.sections for table in section.tables]
    summary_name = _("概要")
    names = sheet_names([table.title for _s, table in tables], taken={summary_name})

    book = Workbook()
    summary = book.active
    summary.title = summary_name
    _write_summary_sheet(summary, report, names, tables, bold=bold, link_font=link_font)
    for name, (_section, table) in zip(names, tables, strict=True):
        _write_table_sheet(book.create_sheet(name), table, base_url, bold=bold, link_font=link_font)

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_summary_sheet(
    sheet: Worksheet,
    report: Report,
    names: list[str],
    tables: list[tuple[Section, Table]],
    *,
    bold: Font,
    link_font: Font,
) -> None:
    """Fill the summary sheet: the report's title, period and generated time, a contents list
    linking to each table's sheet (``names``, in the order of ``tables``) and the definitions."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    sheet.append([_xlsx_text(report.title)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([_("统计周期"), _xlsx_text(report.period)])
    sheet.append([_("生成时间"), format_datetime(report.generated_at)])
    sheet.append([])
    if tables:
        sheet.append([_("目录"), _("表"), _("说明")])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for name, (section, table) in zip(names, tables, strict=True):
            sheet.append(
                [_xlsx_text(section.title), _xlsx_text(table.title), _xlsx_text(table.note)]
            )
            target = sheet.cell(sheet.max_row, 2)
            quoted = name.replace("'", "''")
            target.hyperlink = Hyperlink(ref=target.coordinate, location=f"'{quoted}'!A1")
            target.font = link_font
        sheet.append([])
    if report.definitions:
        wrap = Alignment(wrap_text=True, vertical="top")
        sheet.append([_("指标口径")])
        sheet.cell(sheet.max_row, 1).font = bold
        for term, definition in report.definitions:
            sheet.append([_xlsx_text(term), _xlsx_text(definition)])
            sheet.cell(sheet.max_row, 2).alignment = wrap
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 70
    sheet.column_dimensions["C"].width = 40


def _write_table_sheet(
    sheet: Worksheet, table: Table, base_url: str | None, *, bold: Font, link_font: Font
) -> None:
    """Fill a table's sheet: a bold header row, then the rows with numbers formatted (percent
    columns as percentages) and each row's link in a last column; columns as wide as their
    contents (8 to 50), the header frozen and filterable."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    width = max([len(table.columns), *(len(row) for row in table.rows)], default=0)
    has_links = any(table.links)
    headers = list(table.columns) + [""] * (width - len(table.columns))
    if has_links:
        headers.append(_("工单"))
    for c, header in enumerate(headers, start=1):
        cell = sheet.cell(1, c)
        _put(cell, header)
        cell.font = bold
    widths = [charts._width(str(h)) for h in headers]
    for r, row in enumerate(table.rows, start=2):
        for c in range(width):
            value = row[c] if c < len(row) else None
            cell = sheet.cell(r, c + 1)
            _put(cell, value)
            if _finite(value):
                if c in table.percent_columns:
                    cell.number_format = "0.0%"
                elif isinstance(value, int):
                    cell.number_format = "#,##0"
                else:
                    cell.number_format = "#,##0.00"
            widths[c] = max(widths[c], _display_width(value, c in table.percent_columns))
        link = table.links[r - 2] if r - 2 < len(table.links) else None
        if has_links and link:
            cell = sheet.cell(r, width + 1, _("查看"))
            cell.hyperlink = _absolute(link, base_url)
            cell.font = link_font
    if not table.rows:
        sheet.cell(2, 1, _("无数据")).font = Font(italic=True, color="7B8794")
    for c, w in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = min(50, max(8, w + 2))
    sheet.freeze_panes = "A2"
    if table.rows and headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(table.rows) + 1}"
