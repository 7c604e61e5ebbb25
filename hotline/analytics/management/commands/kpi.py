import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.analytics import selectors
from hotline.analytics.rates import RATES, rounded
from hotline.analytics.selectors import Period, UnitFigures


class Command(BaseCommand):
    help = (
        "The month's rates, satisfaction score, composite score and rank of every ranked unit "
        "(考核指标)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument(
            "--kind", help="only units of this kind (street, department, company, district)"
        )
        parser.add_argument(
            "--json",
            dest="as_json",
            action="store_true",
            help="one JSON document instead of a table",
        )

    def handle(
        self, *args: Any, month: str, kind: str | None, as_json: bool, **options: Any
    ) -> None:
        try:
            period = Period.parse_month(month)
        except ValueError as error:
            raise CommandError(str(error)) from None
        kinds = selectors.ranked_kinds()
        if kind and kind not in dict(kinds):
            raise CommandError(
                f"没有可排名的单位类型「{kind}」；可选：{', '.join(k for k, _ in kinds)}"
            )
        tables = {k: selectors.unit_ranking(period, k) for k, _ in kinds if not kind or k == kind}
        if as_json:
            self.stdout.write(json.dumps(_document(period, tables), ensure_ascii=False, indent=1))
        else:
            self._table(period, tables, dict(kinds))

    def _table(
        self, period: Period, tables: dict[str, list[UnitFigures]], labels: dict[str, str]
    ) -> None:
        shown = [
            r
            for r in RATES
            if r.code
            in (
                "accepted_in_time_rate",
                "first_contact_rate",
                "on_time_completion_rate",
                "resolution_rate",
                "satisfaction_rate",
            )
        ]
        for kind, table in tables.items():
            self.stdout.write(f"\n{period} {labels[kind]}排名")
            self.stdout.write(
                "  ".join(
                    ["名次", "单位", "综合得分", *[r.name for r in shown], "一呼即应率", "派单"]
                )
            )
            for f in table:
                assert f.standing is not None, "unit_rankings gives every unit a standing"
                cells = [
                    str(f.standing.rank or "—"),
                    f.unit.name,
                    _pct(f.score, 100),
                    *[_pct(f.rates[r.code]) for r in shown],
                    _pct(f.call_in_answer_rate),
                    str(f.counts["dispatched"]),
                ]
                self.stdout.write("  ".join(cells))


def _pct(value: float | None, scale: float = 1) -> str:
    return "—" if value is None else f"{value * 100 / scale:.1f}" + ("" if scale == 100 else "%")


def _document(period: Period, tables: dict) -> dict:
    return {
        "month": f"{period.start:%Y-%m}",
        "weights": selectors.weights(),
        "units": [
            {
                "unit_id": f.unit.pk,
                "unit": f.unit.name,
                "kind": kind,
                "rank": f.standing.rank,
                "previous_rank": f.standing.previous_rank,
                "change": f.standing.change,
                "score": rounded(f.score, 2),
                "satisfaction_score": rounded(f.satisfaction_score, 2),
                "rates": {code: rounded(v) for code, v in f.rates.items()},
                "call_in_answer_rate": rounded(f.call_in_answer_rate),
                "counts": f.counts,
            }
            for kind, table in tables.items()
            for f in table
        ],
    }
