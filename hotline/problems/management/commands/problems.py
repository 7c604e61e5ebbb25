import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.analytics.selectors import Period
from hotline.problems import selectors, services
from hotline.problems.docs import lifecycle_markdown
from hotline.problems.workflow import Status


class Command(BaseCommand):
    help = (
        "Hard problems (难题): list the register, print the lifecycle, or run the watch that "
        "strikes off quiet problems and marks returning ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        listing = sub.add_parser("list", help="the register, newest first")
        listing.add_argument("--status", choices=Status.values)
        listing.add_argument("--json", action="store_true", help="print one JSON array")
        calls = sub.add_parser("call-ins", help="一呼即应: each unit's calls in a month")
        calls.add_argument("--month", required=True, help="YYYY-MM")
        calls.add_argument("--json", action="store_true", help="print one JSON array")
        sub.add_parser("lifecycle", help="the states and the transition table as Markdown")
        sub.add_parser("watch", help="strike off or mark recurred what the watch says, once")

    def handle(self, *args: Any, what: str, **options: Any) -> None:
        if what == "lifecycle":
            self.stdout.write(lifecycle_markdown(), ending="")
        elif what == "call-ins":
            self._call_ins(options["month"], as_json=options["json"])
        elif what == "watch":
            done = services.watch_problems()
            verified, recurred = done["problems verified"], done["problems recurred"]
            self.stdout.write(f"销号 {verified} 个，回潮 {recurred} 个")
        elif what == "list":
            rows = selectors.register_rows(status=options["status"])
            if options["json"]:
                self.stdout.write(json.dumps(rows, ensure_ascii=False))
                return
            for row in rows:
                self.stdout.write(
                    f"#{row['id']:<5} {Status(row['status']).label:<10} {row['title']}  "
                    f"包案：{row['leader'] or '—'}  关联工单 {row['orders']}"
                )
        else:
            raise CommandError(what)

    def _call_ins(self, month: str, *, as_json: bool) -> None:
        try:
            period = Period.parse_month(month)
        except ValueError as error:
            raise CommandError(str(error)) from None
        rows = selectors.call_in_counts(period.start, period.end)
        if as_json:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for row in rows:
            rate = row["call_in_answer_rate"]
            shown = "—" if rate is None else f"{rate:.1%}"
            self.stdout.write(
                f"{row['unit']}  被吹哨 {row['called_in']} 次，按时报到 "
                f"{row['reported_in_on_time']} 次，一呼即应率 {shown}"
            )
