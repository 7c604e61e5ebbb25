"""``hotline bench``: performance benchmarks. ``generate`` fills the database with orders;
``quick`` and ``full`` load-test our production setup and the peer side by side (see
``hotline.benchmarks.load``)."""

import argparse
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.benchmarks import load
from hotline.benchmarks.generate import DEFAULT_BATCH, Refused, generate


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--end 须为 YYYY-MM-DD 格式的日期，而不是「{text}」") from None


def _progress(line: str) -> None:
    """Show a line of progress on stderr at once."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def _numbers(text: str) -> tuple[int, ...]:
    """A comma-separated list of positive whole numbers."""
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"a comma-separated list of whole numbers, not {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"a comma-separated list of positive numbers, not {text!r}"
        )
    return values


def _names(text: str) -> tuple[str, ...]:
    """A comma-separated list of names."""
    return tuple(v.strip() for v in text.split(",") if v.strip())


# The options of `bench quick|full`, in the order --help lists them: (option, type, the Plan
# field that gives its default, help). The help's {} shows that default; type bool is a flag.
_BENCH_OPTIONS = (
    ("--orders", int, "orders", "orders generated into the scratch database (default {:,})"),
    ("--months", int, "months", "months of history they span (default {})"),
    ("--workers", int, "workers", "gunicorn workers, ours and the peer's (default {})"),
    (
        "--threads",
        int,
        "threads",
        "threads per worker (gthread workers when above 1; default 1: sync workers)",
    ),
    ("--levels", _numbers, "levels", "closed-loop concurrencies, in order (default {})"),
    ("--duration", float, "duration", "seconds per level (default {:g})"),
    (
        "--rate",
        float,
        "rate",
        "open-loop intake check first, orders a second (default {:g}; 0: none)",
    ),
    ("--scenarios", _names, "scenarios", "which of ours to play (default {})"),
    (
        "--peer-tickets",
        int,
        "peer_tickets",
        "tickets seeded into the peer before its list workload (default {:,})",
    ),
    ("--no-peer", bool, None, "skip the peer"),
    ("--worker", bool, None, "run `hotline worker` beside our server, as in production"),
    (
        "--profile",
        int,
        "profile",
        "intake requests profiled in process after the load (default {}; 0: none)",
    ),
    (
        "--corpus-per-category",
        int,
        "corpus_per_category",
        "examples per category of the cold-start triage model trained when the scratch "
        "database has none (default {}, as hotline triage train --from corpus)",
    ),
    ("--database", str, "database", "the scratch database's name (default {})"),
    ("--keep", bool, None, "keep the scratch databases afterwards"),
    (
        "--reuse",
        bool,
        None,
        "reuse the scratch database when it holds at least --orders orders (and keep it)",
    ),
    ("--seed", int, "seed", "random seed (default {})"),
    (
        "--workdir",
        Path,
        None,
        "servers' logs and working files (default: a new temporary folder)",
    ),
    (
        "--out",
        Path,
        None,
        "write the whole report (every level, checks, profile) here as JSON "
        "(default: report.json in the working folder)",
    ),
)


class Command(BaseCommand):
    help = (
        "Benchmarks. `bench generate --orders N` fills the database with N realistic orders "
        "and their events; `bench quick` (under 3 minutes) and `bench full` (by hand) load-test "
        "gunicorn + PostgreSQL and django-helpdesk side by side and end with one JSON line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
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

        for name, defaults, text in (
            (
                "quick",
                load.quick_plan(),
                "under 3 minutes on two cores, database and peer included "
                "(part of the test command)",
            ),
            (
                "full",
                load.full_plan(),
                "by hand: a million orders, every scenario at rising concurrency",
            ),
        ):
            self._bench_arguments(
                sub.add_parser(
                    name,
                    help=text,
                    description=f"{text[0].upper()}{text[1:]}. Needs DATABASE_URL=postgres://… : "
                    "on that server it creates the scratch database --database (the database "
                    "DATABASE_URL names is not touched), fills it with --orders orders, starts our "
                    "gunicorn on loopback and plays the scenarios at rising concurrency until "
                    "saturation, then the peer's (django-helpdesk, installed once under "
                    "~/.cache/hotline-bench). Progress goes to stderr; every level goes to --out; "
                    "the last line on stdout is the headline figures as JSON. Exits 1 when an "
                    "intake check finds rows that do not match the acknowledged requests or the "
                    "peer could not be measured.",
                ),
                defaults,
            )

    @staticmethod
    def _bench_arguments(parser: CommandParser, plan: "load.Plan") -> None:
        """Add the options of `bench quick|full` to ``parser``, their defaults from ``plan``."""
        for option, kind, field, text in _BENCH_OPTIONS:
            if kind is bool:
                parser.add_argument(option, action="store_true", help=text)
                continue
            default = getattr(plan, field) if field else None
            shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
            parser.add_argument(option, type=kind, default=default, help=text.format(shown))

    def handle(self, *args: Any, subcommand: str, **options: Any) -> None:
        if subcommand == "generate":
            return self._generate(**options)
        if subcommand in ("quick", "full"):
            return self._bench(subcommand, **options)
        raise CommandError(f"unknown subcommand {subcommand}")  # argparse refuses it before

    def _bench(self, name: str, *, workdir: Path | None, out: Path | None, **options: Any) -> None:
        """Run `bench quick|full` as the options say: the whole report to ``out``, the headline
        as the last line on stdout; fails when a check or the peer did."""
        plan = _plan(name, **options)
        workdir = workdir or Path(tempfile.mkdtemp(prefix=f"hotline-bench-{name}-"))
        try:
            report = load.run_bench(
                plan, os.environ.get("DATABASE_URL", ""), workdir=workdir, progress=_progress
            )
        except load.Refused as refused:
            raise CommandError(str(refused)) from None
        out = out or workdir / "report.json"
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
        _progress(f"the whole report: {out}")
        headline = report["headline"]
        self.stdout.write(json.dumps(headline, ensure_ascii=False))
        failed = [name for name, check in report["checks"].items() if not check.get("match")]
        if failed:
            raise CommandError(
                f"rows and acknowledged requests differ: {', '.join(failed)} (see {out})"
            )
        if plan.peer and not headline.get("peer_intake_orders_per_s"):
            raise CommandError(
                f"the peer was not measured: {headline.get('peer_error', 'no figures')}"
            )

    def _generate(
        self,
        *,
        orders: int,
        months: int,
        end: date | None,
        seed: int,
        batch: int,
        workers: int | None,
        append: bool,
        **_: object,
    ) -> None:
        try:
            result = generate(
                orders,
                months=months,
                end=end,
                seed=seed,
                batch=batch,
                append=append,
                workers=workers,
                progress=_progress,
            )
        except Refused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(json.dumps(result.as_dict()))


def _plan(
    name: str,
    *,
    orders: int,
    months: int,
    workers: int,
    threads: int,
    levels: tuple[int, ...],
    duration: float,
    rate: float,
    scenarios: tuple[str, ...],
    peer_tickets: int,
    no_peer: bool,
    worker: bool,
    profile: int,
    corpus_per_category: int,
    database: str,
    keep: bool,
    reuse: bool,
    seed: int,
    **_: object,
) -> "load.Plan":
    """The plan of `bench quick` or `bench full` with the options given."""
    if orders < 1 or months < 1 or workers < 1 or threads < 1 or duration <= 0:
        raise CommandError(
            "--orders, --months, --workers, --threads and --duration must be positive"
        )
    make = load.quick_plan if name == "quick" else load.full_plan
    return make(
        orders=orders,
        months=months,
        workers=workers,
        threads=threads,
        levels=levels,
        duration=duration,
        rate_duration=duration * (1.5 if name == "full" else 1.0),
        rate=rate,
        scenarios=scenarios,
        peer=not no_peer,
        peer_tickets=peer_tickets,
        worker=worker,
        profile=profile,
        corpus_per_category=corpus_per_category,
        database=database,
        keep=keep,
        reuse=reuse,
        seed=seed,
    )
