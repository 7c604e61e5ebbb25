from argparse import ArgumentParser
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hotline.operations.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `hotline backup` into the configured database, which must be "
        "empty unless --clean is given (docs/operations.md)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path, help="the backup file")
        parser.add_argument(
            "--clean",
            action="store_true",
            help="replace what the database holds with the backup (otherwise it must be empty)",
        )

    def handle(self, *args: str, file: Path, clean: bool, **options: object) -> None:
        try:
            self.stdout.write(restore(file, clean=clean))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            "请核对：hotline status 的数量与备份前一致，"
            "hotline analytics verify --month YYYY-MM 通过"
        )
