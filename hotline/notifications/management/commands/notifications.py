import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hotline.notifications.selectors import outbox_counts
from hotline.notifications.services import retry_failed
from hotline.orders.models import WorkOrder


class Command(BaseCommand):
    help = "The notification outbox: counts by status, and sending failed messages again (通知)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        status = sub.add_parser("status", help="messages pending, sent and failed")
        status.add_argument("--json", action="store_true")
        retry = sub.add_parser(
            "retry", help="queue failed messages again (after fixing an address or the gateway)"
        )
        retry.add_argument("--order", default="", help="only this order's messages (order number)")

    def handle(self, *args: str, what: str, **options: Any) -> None:
        if what == "status":
            counts = outbox_counts()
            if options["json"]:
                self.stdout.write(json.dumps(counts))
            else:
                self.stdout.write(
                    f"待发送 {counts['pending']}，已发送 {counts['sent']}，"
                    f"发送失败 {counts['failed']}"
                )
            return
        order = None
        if options["order"]:
            order = WorkOrder.objects.filter(number=options["order"]).first()
            if order is None:
                raise CommandError(f"没有工单 {options['order']}")
        self.stdout.write(f"重新排队 {retry_failed(order=order)} 条失败的通知")
