import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django.db.models import Count

from hotline.orders.models import Event, WorkOrder
from hotline.org.models import Unit, User


class Command(BaseCommand):
    help = "Show what the installation holds (database engine, orders, events, units, users)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        figures = {
            "database": connection.vendor,
            "orders": WorkOrder.objects.count(),
            "events": Event.objects.count(),
            "units": Unit.objects.count(),
            "users": User.objects.count(),
        }
        by_status = {
            row["status"]: row["n"]
            for row in WorkOrder.objects.order_by().values("status").annotate(n=Count("id"))
        }
        figures["orders_by_status"] = by_status
        if options["json"]:
            self.stdout.write(json.dumps(figures, ensure_ascii=False))
        else:
            for key, value in figures.items():
                self.stdout.write(f"{key}: {value}")
