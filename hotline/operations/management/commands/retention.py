from argparse import ArgumentParser

from django.core.management.base import BaseCommand, CommandError

from hotline.core.errors import InvalidInput
from hotline.operations.services import run_retention


class Command(BaseCommand):
    help = (
        "Anonymise finished orders older than the retention period (HOTLINE_RETENTION_DAYS): "
        "the callers' personal data is removed, the statistics stay. "
        "The worker runs this once a day."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--days", type=int, help="the retention period in days (default: the setting)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only count the orders that would be anonymised"
        )
        parser.add_argument(
            "--batch", type=int, default=200, help="orders per transaction (default 200)"
        )

    def handle(
        self, *args: str, days: int | None, dry_run: bool, batch: int, **options: object
    ) -> None:
        if batch < 1:
            raise CommandError("--batch 应为正整数")
        try:
            run = run_retention(days=days, dry_run=dry_run, batch=batch)
        except InvalidInput as error:
            raise CommandError(error.message) from None
        if run is None:
            self.stdout.write("保留期为 0：个人信息永久保留，未做任何处理")
        elif dry_run:
            self.stdout.write(
                f"预览：{run.orders:,} 个在 {run.cutoff:%Y-%m-%d %H:%M} "
                "前办结的工单将被匿名化（未做任何修改）"
            )
        else:
            self.stdout.write(
                f"已匿名化 {run.orders:,} 个在 {run.cutoff:%Y-%m-%d %H:%M} 前办结的工单："
                f"事件 {run.events:,} 条，通知 {run.messages:,} 条，附件 {run.attachments:,} 个"
            )
