"""The monthly analysis of a (small) demo city: a real PDF whose ranking equals ``hotline kpi
--json`` and whose rates equal a recomputation from the events."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader

from hotline.analytics import selectors
from hotline.analytics.rates import RATES
from hotline.analytics.render import format_cell
from hotline.analytics.selectors import Period
from hotline.analytics.services import rebuild_rollup
from hotline.demo.city import build_city
from hotline.demo.history import History

pytestmark = pytest.mark.django_db


def last_full_month() -> Period:
    before = timezone.localdate().replace(day=1) - timedelta(days=1)
    return Period.month(before.year, before.month)


@pytest.fixture(scope="module")
def month(django_db_setup, django_db_blocker, tmp_path_factory):
    """A demo city of 1,500 orders over 75 days, its last full month's PDF and KPI document."""
    period = last_full_month()
    out = tmp_path_factory.mktemp("report") / "monthly.pdf"
    with django_db_blocker.unblock(), transaction.atomic():
        History(build_city(), orders=1500, end=timezone.now(), days=75, seed=5).run()
        rebuild_rollup()
        call_command(
            "report",
            "monthly",
            month=f"{period.start:%Y-%m}",
            format="pdf",
            out=out,
            stdout=io.StringIO(),
        )
        kpi = io.StringIO()
        call_command("kpi", month=f"{period.start:%Y-%m}", as_json=True, stdout=kpi)
        result = {
            "pdf": out.read_bytes(),
            "kpi": json.loads(kpi.getvalue()),
            "recomputed": selectors.recomputed_counters(period, by=()).get(()),
            "rolled_up": selectors.totals(period),
        }
        transaction.set_rollback(True)
    result["text"] = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(result["pdf"])).pages
    )
    return result


def test_the_pdf_opens_and_has_every_section(month):
    assert month["pdf"].startswith(b"%PDF-")
    for heading in (
        "一、总体情况",
        "二、诉求分类",
        "三、突增诉求",
        "四、热点与重复来电",
        "五、单位考核排名",
        "六、每月一题候选",
        "七、下月预警",
        "指标口径",
    ):
        assert heading in month["text"]


def test_the_pdf_has_its_charts_as_vector_drawings(month):
    reader = PdfReader(io.BytesIO(month["pdf"]))
    curves = sum(page.get_contents().get_data().count(b" c\n") for page in reader.pages)
    assert curves > 200


def test_the_rollup_equals_a_recomputation_from_events(month):
    assert month["recomputed"]["registered"] > 300
    assert month["rolled_up"] == month["recomputed"]


def test_every_rate_in_the_pdf_has_the_numerator_and_denominator_recomputed_from_events(month):
    counts = month["recomputed"]
    lines = month["text"].splitlines()
    for rate in RATES:
        row = next(line for line in lines if line.startswith(rate.name + " "))
        assert row.endswith(
            f"{format_cell(rate.numerator(counts))} {format_cell(rate.denominator(counts))}"
        ), row


def test_the_ranking_in_the_pdf_is_the_one_hotline_kpi_prints(month):
    lines = month["text"].splitlines()
    ranked = [u for u in month["kpi"]["units"] if u["kind"] == "street" and u["rank"] is not None]
    assert len(ranked) >= 10
    for unit in ranked:
        expected = f"{unit['rank']} {unit['unit']} {format_cell(unit['score'])} "
        assert any(line.startswith(expected) for line in lines), expected
