from typing import Any

from django.core.management.base import BaseCommand

from hotline.orders.docs import lifecycle_markdown


class Command(BaseCommand):
    help = "Print the work-order lifecycle (states and the transition table) as Markdown."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(lifecycle_markdown(), ending="")
