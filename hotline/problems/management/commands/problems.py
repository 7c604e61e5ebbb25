import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

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
        sub.add_parser("lifecycle", help="the states and the transition table as Markdown")
        sub.add_parser("watch", help="strike off or mark recurred what the watch says, once")

    def handle(self, *args: Any, what: str, **options: Any) -> None:
        if what == "lifecycle":
            self.stdout.write(lifecycle_markdown(), ending="")
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
