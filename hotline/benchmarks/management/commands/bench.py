"""``hotline bench``: performance benchmarks. ``generate`` fills the database with orders."""

import json
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from hotline.benchmarks.generate import DEFAULT_BATCH, Refused, generate


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--end 须为 YYYY-MM-DD 格式的日期，而不是「{text}」") from None


class Command(BaseCommand):
    help = (
        "Benchmarks. `bench generate --orders N` fills the database with N realistic orders "
        "and their events."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)
        gen = sub.add_parser(
            "generate",
            help="write N orders of the demo city with their events (COPY on PostgreSQL)",
            description="Write N orders of the demo city with their full event histories, "
            "registered over the months before --end and lived through until then (recent "
            "ones still open). "
            "Builds the demo city's units, staff and knowledge base first if the database has "
            "no units. Refuses a database that holds orders unless --append is given. Progress "
            "goes to stderr; the last line on stdout is the result as JSON.",
        )
        gen.add_argument("--orders", type=int, required=True, help="how many orders")
        gen.add_argument("--months", type=int, default=24, help="months of history (default 24)")
        gen.add_argument(
            "--end",
            type=_day,
            default=None,
            help="the history ends as this day begins (YYYY-MM-DD; default: now)",
        )
        gen.add_argument("--seed", type=int, default=12345, help="random seed (default 12345)")
        gen.add_argument(
            "--batch",
            type=int,
            default=DEFAULT_BATCH,
            help=f"orders per COPY batch (default {DEFAULT_BATCH})",
        )
        gen.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes making rows while the database loads (PostgreSQL; default: by cores; "
            "0: in this process)",
        )
        gen.add_argument(
            "--append", action="store_true", help="add to a database that already holds orders"
        )

    def handle(self, *args, subcommand: str, **options):
        if subcommand == "generate":
            return self._generate(**options)
        raise CommandError(f"unknown subcommand {subcommand}")  # argparse refuses it before

    def _generate(self, *, orders, months, end, seed, batch, workers, append, **_):
        def progress(line: str) -> None:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

        try:
            result = generate(
                orders,
                months=months,
                end=end,
                seed=seed,
                batch=batch,
                append=append,
                workers=workers,
                progress=progress,
            )
        except Refused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(json.dumps(result.as_dict()))
