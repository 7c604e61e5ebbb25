import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.analytics import reports
from hotline.analytics.document import Report
from hotline.analytics.render import to_html, to_pdf, to_xlsx
from hotline.analytics.selectors import Period

RENDERERS = {"html": lambda r, **kw: to_html(r, **kw).encode(), "pdf": to_pdf, "xlsx": to_xlsx}


class Command(BaseCommand):
    help = (
        "Write the daily summary (日报), weekly evaluation (周评) or monthly analysis (月度分析) "
        "as HTML, PDF or Excel."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["daily", "weekly", "monthly"])
        parser.add_argument(
            "--date", help="YYYY-MM-DD: the day (daily) or a day of the week (weekly)"
        )
        parser.add_argument("--month", help="YYYY-MM (monthly)")
        parser.add_argument("--format", choices=sorted(RENDERERS), default="pdf")
        parser.add_argument("--out", required=True, type=Path, help="the file to write")
        parser.add_argument(
            "--base-url", default="", help="the console's address, for links to the orders"
        )

    def handle(
        self,
        *args: Any,
        kind: str,
        date: str | None,
        month: str | None,
        format: str,
        out: Path,
        base_url: str,
        **options: Any,
    ) -> None:
        report = self._build(kind, date, month)
        data = RENDERERS[format](report, base_url=base_url or None)
        partial = out.with_name(out.name + ".partial")
        partial.write_bytes(data)
        partial.replace(out)  # the file appears whole or not at all
        self.stdout.write(f"{report.title}：已写入 {out}（{len(data):,} 字节）")

    def _build(self, kind: str, day_text: str | None, month_text: str | None) -> Report:
        if kind == "monthly":
            if not month_text:
                raise CommandError("月度分析需要 --month YYYY-MM")
            try:
                return reports.monthly_analysis(Period.parse_month(month_text))
            except ValueError as error:
                raise CommandError(str(error)) from None
        if not day_text:
            raise CommandError(f"{'日报' if kind == 'daily' else '周评'}需要 --date YYYY-MM-DD")
        try:
            day = dt.date.fromisoformat(day_text)
        except ValueError:
            raise CommandError(
                f"日期应写作 YYYY-MM-DD，例如 2026-10-12，而不是「{day_text}」"
            ) from None
        return reports.daily_summary(day) if kind == "daily" else reports.weekly_evaluation(day)
