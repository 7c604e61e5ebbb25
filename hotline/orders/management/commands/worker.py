import time

from django.core.management.base import BaseCommand

from hotline.orders.services import sweep_overdue


class Command(BaseCommand):
    help = "Urge overdue orders and escalate them to supervision (催办、督办). Safe to run several at once."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="sweep once and exit")
        parser.add_argument("--interval", type=float, default=30.0, help="seconds between sweeps (default 30)")
        parser.add_argument("--batch", type=int, default=200, help="orders claimed per transaction")

    def handle(self, *args, once: bool, interval: float, batch: int, **options):
        while True:
            total = {"urged": 0, "supervised": 0}
            while True:  # drain what is due before sleeping
                done = sweep_overdue(limit=batch)
                for key in total:
                    total[key] += done[key]
                if sum(done.values()) < batch:
                    break
            if any(total.values()) or once:
                self.stdout.write(f"urged {total['urged']}, supervised {total['supervised']}")
            if once:
                return
            time.sleep(interval)
