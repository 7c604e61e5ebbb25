import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.analytics.services import refresh_rollup
from hotline.core.errors import InvalidInput
from hotline.notifications.services import deliver_due
from hotline.operations.services import daily_retention, retention_days
from hotline.orders.services import sweep_overdue
from hotline.problems.services import watch_problems
from hotline.triage.services import ensure_model


class Command(BaseCommand):
    help = (
        "Urge overdue orders, escalate them to supervision (催办、督办), deliver notifications and "
        "keep the statistics rollup current (training the cold-start triage model first when there "
        "is none), strike off the problems whose watch ended quiet and mark those that came back "
        "(销号、回潮); once a day, anonymise the finished orders past the retention "
        "period (HOTLINE_RETENTION_DAYS). "
        "Safe to run several at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="sweep and deliver once, then exit")
        parser.add_argument(
            "--interval", type=float, default=30.0, help="seconds between rounds (default 30)"
        )
        parser.add_argument(
            "--batch", type=int, default=200, help="orders or messages claimed per transaction"
        )

    def handle(self, *args: Any, once: bool, interval: float, batch: int, **options: Any) -> None:
        try:
            retention_days()  # a wrong period stops the worker now, not on its first daily run
        except InvalidInput as error:
            raise CommandError(error.message) from None
        # Suggestions at intake need a model; reading never trains one, so the worker does.
        ensure_model(progress=lambda step: self.stderr.write(step))
        while True:
            total = (
                _drain(lambda: sweep_overdue(limit=batch), batch)
                | _drain(lambda: deliver_due(limit=batch), batch)
                | _drain(lambda: refresh_rollup(limit=batch), 1)
                | watch_problems()
                | daily_retention(batch=batch)
            )
            if any(total.values()) or once:
                self.stdout.write(", ".join(f"{key} {n}" for key, n in total.items()))
            if once:
                return
            time.sleep(interval)


def _drain(step: Callable[[], dict[str, int]], batch: int) -> dict[str, int]:
    """Repeat a step until it handles less than a full batch: what is due is done before
    sleeping."""
    total: dict[str, int] = {}
    while True:
        done = step()
        for key, n in done.items():
            total[key] = total.get(key, 0) + n
        if sum(done.values()) < batch:
            return total
