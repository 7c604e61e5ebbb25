from django.core.management.base import BaseCommand

from hotline.org.docs import permissions_markdown


class Command(BaseCommand):
    help = "Print the permission table (role → capability, reach of orders) as Markdown."

    def handle(self, *args: str, **options: object) -> None:
        self.stdout.write(permissions_markdown(), ending="")
