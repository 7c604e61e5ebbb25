import sys
import time
from datetime import date
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from hotline.analytics.services import rebuild_rollup
from hotline.demo.city import CITY, DISTRICTS, PASSWORD, logins, set_up_city
from hotline.demo.history import History
from hotline.demo.problems import Problems
from hotline.orders.models import WorkOrder
from hotline.org.models import Unit
from hotline.triage.services import ensure_model


class Command(BaseCommand):
    help = f"Build the demo city {CITY} with a year of history (once), then serve it on http://127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="stop after the setup")
        parser.add_argument(
            "--orders", type=int, default=30500, help="orders in the history (default 30500)"
        )
        parser.add_argument(
            "--days", type=int, default=365, help="days of history, ending now (default 365)"
        )
        parser.add_argument("--seed", type=int, default=12345, help="random seed of the history")
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="address to serve on (default 127.0.0.1:8000)"
        )

    def handle(
        self,
        *args: Any,
        no_serve: bool,
        orders: int,
        days: int,
        seed: int,
        addr: str,
        **options: Any,
    ) -> None:
        if orders < 0 or days < 1:
            raise CommandError("--orders must be 0 or more and --days at least 1")
        self._say("Preparing the database (migrations)")
        call_command("migrate", interactive=False, verbosity=0)
        first_district = next(iter(DISTRICTS))
        if Unit.objects.filter(kind=Unit.Kind.DISTRICT, name=first_district).exists():
            self._say(
                f"The demo city {CITY} is already here ({WorkOrder.objects.count():,} orders): "
                "reusing it."
            )
        elif Unit.objects.exclude(kind=Unit.Kind.CENTRE).exists() or WorkOrder.objects.exists():
            raise CommandError(
                "This database already holds units or orders of its own; "
                "the demo city is only built "
                "into an empty installation. Point HOTLINE_VAR_DIR or DATABASE_URL at an empty one."
            )
        else:
            self._build(orders, days, seed)
        ensure_model(progress=self._say)  # the intake page's suggestions need a model
        self._print_logins()
        if not no_serve:
            self._say(f"Serving on http://{addr}/ (Ctrl-C stops)")
            call_command("runserver", addr, use_reloader=False, insecure_serving=True)

    def _build(self, orders: int, days: int, seed: int) -> None:
        started = time.monotonic()
        self._say(
            f"Building {CITY} and {orders:,} orders over {days} days ({connection.vendor}); "
            "this takes a few minutes"
        )
        last_month: list[str] = []

        def progress(day: date, done: int) -> None:
            month = f"{day:%Y-%m}"
            if not last_month or last_month[-1] != month:
                last_month.append(month)
                self._say(
                    f"  history {month}: {done:>7,} orders registered  "
                    f"[{time.monotonic() - started:5.0f} s]"
                )

        # All or nothing: an interrupted setup leaves the installation empty, ready to try again.
        with transaction.atomic():
            city = set_up_city()
            history = History(
                city, orders=orders, end=timezone.now(), days=days, seed=seed, progress=progress
            )
            refused = history.run()
            self._say("  hard problems (难题): proposed, taken on, called in, watched")
            refused += Problems(city, end=history.end, days=days).run()
            rebuild_rollup()  # the rates and reports read the rollup
        for reason, count in refused.most_common():
            self._say(f"  refused {count}x: {reason}", err=True)
        self._say(
            f"Done: {WorkOrder.objects.count():,} orders in {time.monotonic() - started:.0f} s"
        )

    def _print_logins(self) -> None:
        self._say(f"\nLogins (password {PASSWORD!r} for all):")
        rows = logins()
        for username, role, unit in rows:
            self.stdout.write(f"  {username:<22} {role:<8} {unit}")

    def _say(self, text: str, err: bool = False) -> None:
        (sys.stderr if err else self.stdout).write(text + "\n")
        (sys.stderr if err else self.stdout).flush()
