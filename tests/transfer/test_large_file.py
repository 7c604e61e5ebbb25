"""The issue's test: a 100 k-row legacy file with 1 % bad rows of varied kinds at known places
is refused whole with exactly those rows reported, and only ``--skip-invalid`` imports the rest."""

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from hotline.core import clock
from hotline.orders.models import Event, WorkOrder
from tests.transfer import legacy_file
from tests.transfer.files import read_csv, run

ROWS, BAD_EVERY = 100_000, 100
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def legacy_csv(tmp_path_factory) -> Path:
    with open(Path(__file__).parents[2] / "hotline/catalog/taxonomy.csv", encoding="utf-8") as f:
        categories = [row["code"] for row in csv.DictReader(f)]
    return legacy_file.write_csv(
        tmp_path_factory.mktemp("legacy") / "orders.csv",
        ROWS,
        bad_every=BAD_EVERY,
        categories=categories,
        units=[
            "东城1街道",
            "东城2街道",
            "西城1街道",
            "西城2街道",
            "城管执法队",
        ],  # the units of factories.city()
        places=["东城11小区", "东城12花园", "西城21小区", "东城1路", "西城2路", "外省某县"],
        end=clock.now() - timedelta(days=1),
    )


def test_a_file_with_one_percent_bad_rows_imports_nothing_and_reports_exactly_them(
    city, legacy_csv, tmp_path
):
    with pytest.raises(CommandError) as refused:
        run("import", legacy_csv, "--report", tmp_path / "report.csv")
    assert refused.value.returncode == 1
    assert not WorkOrder.objects.exists() and not Event.objects.exists()
    report = read_csv(tmp_path / "report.csv")
    assert [int(r["行号"]) for r in report] == sorted(
        legacy_file.bad_positions(ROWS, BAD_EVERY)
    )  # one problem each
    assert {r["列"] for r in report} == {column for column, _ in legacy_file.FAULTS}


def test_skip_invalid_imports_exactly_the_other_rows(city, legacy_csv):
    out, _ = run("import", legacy_csv, "--skip-invalid")
    bad = {row - 2 for row in legacy_file.bad_positions(ROWS, BAD_EVERY)}
    assert f"已导入 {ROWS - len(bad):,} 个工单" in out
    assert set(WorkOrder.objects.values_list("number", flat=True)) == {
        f"L{i:09d}" for i in range(ROWS) if i not in bad
    }
