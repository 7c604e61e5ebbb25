import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.analytics import selectors, services
from hotline.analytics.docs import rates_markdown
from hotline.analytics.selectors import Period


class Command(BaseCommand):
    help = (
        "The rollup behind the rates: rebuild it from the event log, apply pending changes, "
        "or check it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="step", required=True)
        sub.add_parser("docs", help="print the rates reference (docs/rates.md)")
        sub.add_parser(
            "rebuild", help="recompute every order's contributions and the rollup from the events"
        )
        sub.add_parser(
            "refresh", help="apply the orders changed since the last refresh (the worker does this)"
        )
        verify = sub.add_parser(
            "verify", help="compare the rollup with a recomputation from the events"
        )
        verify.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args: Any, step: str, **options: Any) -> None:
        started = time.monotonic()
        if step == "docs":
            self.stdout.write(rates_markdown(), ending="")
        elif step == "rebuild":
            done = services.rebuild_rollup(
                progress=lambda n: self.stderr.write(f"已汇总 {n:,} 个工单…")
            )
            self.stdout.write(
                f"已重建统计汇总：{done:,} 个工单，用时 {time.monotonic() - started:.1f} 秒"
            )
        elif step == "refresh":
            total = 0
            while n := services.refresh_rollup()["rolled up"]:
                total += n
            self.stdout.write(f"已汇总 {total:,} 个事件")
        else:
            try:
                period = Period.parse_month(options["month"])
            except ValueError as error:
                raise CommandError(str(error)) from None
            by = ("day", "unit_id", "category_id", "street_id", "channel")
            stored, recomputed = (
                selectors.counters(period, by=by),
                selectors.recomputed_counters(period, by=by),
            )
            differing = sorted(
                k for k in stored.keys() | recomputed.keys() if stored.get(k) != recomputed.get(k)
            )
            if differing:
                for key in differing[:20]:
                    self.stderr.write(f"{key}: 汇总 {stored.get(key)} ≠ 重算 {recomputed.get(key)}")
                self.stderr.write(
                    f"{period}：{len(differing):,} 个汇总格与事件重算不符"
                    "（先运行 hotline analytics refresh）"
                )
                sys.exit(1)
            self.stdout.write(f"{period}：{len(stored):,} 个汇总格全部与事件重算相符")
