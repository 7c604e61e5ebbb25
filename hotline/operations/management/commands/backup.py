from argparse import ArgumentParser
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hotline.operations.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database into one file: pg_dump's custom format on PostgreSQL, an SQLite copy "
        "otherwise (docs/operations.md). Attachments and the var folder are not in it."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="the backup file to write")

    def handle(self, *args: str, out: Path, **options: object) -> None:
        try:
            self.stdout.write(backup(out))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"附件不在备份中：请另行备份 {settings.MEDIA_ROOT}")
