"""A report rendered as HTML, PDF and workbook: what a reader of each must find in it."""

import io
import json
import re
import warnings
from collections import Counter
from datetime import datetime

import pytest
from django.template.loader import render_to_string

from hotline.analytics import charts, render
from hotline.analytics.document import Chart, Report, Section, Table

CATEGORIES = ["城乡建设", "交通运输", "生态环境", "市场监管", "教育", "医疗卫生"]
ROWS = 45  # long enough for the table to run over a page break


def make_report(with_charts: bool = True) -> Report:
    rows = [
        [f"05.{i:02d}", CATEGORIES[i % len(CATEGORIES)], 1000 + i, 0.9 + i / 1000, 12.5 + i]
        for i in range(ROWS)
    ]
    rows[0] = ["05.00", "城乡建设", 12345, 0.973, None]
    rows[1][1] = "<script>alert('x')</script>"
    overview = Section(
        "一、受理概况",
        text="本月共受理诉求 12,345 件。",
        tables=[
            Table(
                "各类诉求办理情况",
                ["分类编码", "分类名称", "受理量", "按时办结率", "平均办理时长"],
                rows,
                links=[f"/orders/?category=05.{i:02d}&month=2026-10" for i in range(ROWS)],
                percent_columns=frozenset({3}),
                note="按时办结率 = 按时办结件数 / 应办结件数",
            )
        ],
        charts=[
            Chart(
                "每日受理量",
                "line",
                [f"10月{d}日" for d in range(1, 11)],
                {"受理量": [float(400 + d * 7 % 30) for d in range(10)]},
            )
        ],
    )
    categories = Section(
        "二、诉求分类",
        tables=[Table("退回情况", ["单位", "退回件数"], [])],
        charts=[
            Chart(
                "诉求分类",
                "bar",
                CATEGORIES,
                {"本月": [900, 800, 700, 600, 500, 400], "上月": [850, 820, 610, 640, 480, 300]},
            )
        ],
    )
    if not with_charts:
        overview.charts, categories.charts = [], []
    return Report(
        title="2026年10月热线运行分析报告",
        period="2026年10月",
        generated_at=datetime(2026, 11, 2, 9, 30),
        sections=[overview, categories],
        definitions=[("按时办结率", "在时限内办结的工单数 / 应办结工单数")],
    )


@pytest.fixture(scope="module")
def report():
    return make_report()


@pytest.fixture(scope="module")
def html(report):
    return render.to_html(report)


@pytest.fixture(scope="module")
def pdf(report):
    return render.to_pdf(report)


@pytest.fixture(scope="module")
def pdf_reader(pdf):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf))


@pytest.fixture(scope="module")
def pdf_text(pdf_reader):
    return "\n".join(page.extract_text() for page in pdf_reader.pages)


@pytest.fixture(scope="module")
def workbook(report):
    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(render.to_xlsx(report, base_url="https://12345.example.cn")))


def curves(pdf_bytes: bytes) -> int:
    """Bézier segments drawn on the pages: chart text and lines are paths, tables have none."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(pdf_bytes))
    ops = Counter()
    for page in reader.pages:
        ops.update(op for _operands, op in ContentStream(page.get_contents(), reader).operations)
    return ops[b"c"]


# --- PDF ------------------------------------------------------------------------------------


def test_pdf_is_a_pdf(pdf):
    assert pdf.startswith(b"%PDF-")


def test_pdf_long_table_runs_over_several_pages(pdf_reader):
    assert len(pdf_reader.pages) >= 2


def test_pdf_table_header_repeats_on_each_page_it_spans(pdf_reader):
    pages = [page.extract_text() for page in pdf_reader.pages]
    spanned = [text for text in pages if "05.0" in text or "05.4" in text]
    assert len(spanned) >= 2
    assert all("平均办理时长" in text for text in spanned)


def test_pdf_text_holds_the_title(pdf_text):
    assert "2026年10月热线运行分析报告" in pdf_text


def test_pdf_text_holds_a_chinese_table_header(pdf_text):
    assert "按时办结率" in pdf_text


def test_pdf_text_holds_formatted_numbers(pdf_text):
    assert "12,345" in pdf_text
    assert "97.3%" in pdf_text


def test_pdf_pages_are_numbered(pdf_text):
    assert re.search(r"第 1 页 / 共 \d+ 页", pdf_text)


def test_pdf_draws_charts_as_vector_paths(pdf):
    without_charts = render.to_pdf(make_report(with_charts=False))
    assert curves(without_charts) == 0
    assert curves(pdf) > 200


# --- HTML -----------------------------------------------------------------------------------


def test_html_is_a_standalone_document_without_script(html):
    assert html.lstrip().startswith("<!doctype html>")
    assert "<script" not in html
    assert html.count("<svg ") == 2


def test_html_escapes_hostile_cell_text(html):
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_html_formats_percent_none_and_thousands(html):
    row = re.search(r"<tr><td[^>]*>05\.00</td>.*?</tr>", html).group(0)
    assert ">12,345<" in row
    assert ">97.3%<" in row
    assert ">—<" in row


def test_empty_table_renders_no_data_line(html):
    assert re.search(r"<h3>退回情况</h3>\s*<p class=\"report-empty\">无数据</p>", html)


def test_html_file_links_rows_only_with_a_base_url(report):
    assert "<a href" not in render.to_html(report)
    absolute = render.to_html(report, base_url="https://12345.example.cn/")
    assert 'href="https://12345.example.cn/orders/?category=05.00&amp;month=2026-10"' in absolute


def test_format_cell():
    assert render.format_cell(None) == "—"
    assert render.format_cell(0.9734, percent=True) == "97.3%"
    assert render.format_cell(1234567) == "1,234,567"
    assert render.format_cell(1234.5) == "1,234.5"
    assert render.format_cell(float("nan")) == "—"


# --- Console body ---------------------------------------------------------------------------


def test_body_context_gives_json_ready_echarts_options(report):
    body = render.body_context(report)["report_body"]
    chart = body["sections"][1].charts[0]
    option = json.loads(json.dumps(chart.option))
    assert option["xAxis"]["data"] == CATEGORIES
    assert [s["name"] for s in option["series"]] == ["本月", "上月"]
    assert option["series"][0]["type"] == "bar"


def test_console_body_embeds_one_option_per_chart_and_no_svg(report):
    html = render_to_string("analytics/report_body.html", render.body_context(report))
    targets = re.findall(r'data-echarts="([^"]+)"', html)
    assert len(targets) == 2
    for target in targets:
        assert f'<script id="{target}" type="application/json">' in html
    assert "<svg" not in html
    assert "<script>alert" not in html


def test_console_body_keeps_site_relative_row_links(report):
    html = render_to_string("analytics/report_body.html", render.body_context(report))
    assert '<a href="/orders/?category=05.00&amp;month=2026-10">' in html


# --- Charts ---------------------------------------------------------------------------------


def test_chart_svg_draws_chinese_labels_with_a_cjk_font():
    chart = Chart("受理渠道", "pie", ["电话", "网站", "微信"], {"件数": [80, 15, 5]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        svg = charts.chart_svg(chart, id_prefix="t")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert svg.startswith("<svg ")
    assert "NotoSansCJK" in svg  # glyph outlines from the CJK font, not boxes
    assert "<text" not in svg  # text drawn as paths: no font needed where it is shown


def test_chart_svg_ids_are_scoped_by_prefix():
    chart = Chart("各区", "bar", ["东区", "西区"], {"件数": [3, 4]})
    svg = charts.chart_svg(chart, id_prefix="abc")
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("abc-") for i in ids)


def test_chart_without_values_says_no_data():
    option = charts.echarts_option(Chart("空", "line", [], {}))
    assert option["title"]["text"] == "无数据"


# --- Workbook -------------------------------------------------------------------------------


def test_xlsx_has_a_summary_sheet_then_one_sheet_per_table(workbook):
    assert workbook.sheetnames == ["概要", "各类诉求办理情况", "退回情况"]
    summary = [cell for row in workbook["概要"].iter_rows(values_only=True) for cell in row]
    assert "2026年10月热线运行分析报告" in summary
    assert "2026年10月" in summary
    assert "在时限内办结的工单数 / 应办结工单数" in summary


def test_xlsx_header_row_is_bold_and_frozen(workbook):
    sheet = workbook["各类诉求办理情况"]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"


def test_xlsx_numbers_are_numbers(workbook):
    sheet = workbook["各类诉求办理情况"]
    assert sheet["C2"].value == 12345 and isinstance(sheet["C2"].value, int)
    assert isinstance(sheet["E3"].value, float)
    assert sheet["E2"].value is None


def test_xlsx_percent_cells_are_fractions_formatted_as_percent(workbook):
    cell = workbook["各类诉求办理情况"]["D2"]
    assert cell.value == pytest.approx(0.973)
    assert cell.number_format == "0.0%"


def test_xlsx_row_links_are_absolute_hyperlinks_in_an_order_column(workbook):
    sheet = workbook["各类诉求办理情况"]
    assert sheet["F1"].value == "工单"
    assert sheet["F2"].hyperlink.target == (
        "https://12345.example.cn/orders/?category=05.00&month=2026-10"
    )
    assert (
        sum(1 for (cell,) in sheet.iter_rows(min_row=2, min_col=6, max_col=6) if cell.hyperlink)
        == ROWS
    )


def test_xlsx_text_that_looks_like_a_formula_stays_text():
    from openpyxl import load_workbook

    table = Table("t", ["名称"], [['=HYPERLINK("http://evil","点我")']])
    report = Report("r", "p", datetime(2026, 1, 1), [Section("s", tables=[table])])
    cell = load_workbook(io.BytesIO(render.to_xlsx(report)))["t"]["A2"]
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK")


def test_sheet_names_are_legal_unique_and_at_most_31_characters():
    names = render.sheet_names(
        ["a/b:c", "A/B:C", "x" * 40, "x" * 40, "[]", "history"], taken={"概要"}
    )
    assert len(set(n.casefold() for n in names)) == len(names)
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert names[0] == "a b c" and names[1] == "A B C (2)"
    assert names[3].endswith("(2)")
    assert names[4] == "表5"
