import argparse
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.audit.services import record_export
from hotline.org.models import User
from hotline.transfer import legacy, services


class Command(BaseCommand):
    help = (
        "导出工单：hotline export orders --out FILE.csv|.xlsx，"
        "列与导入相同（导出的文件可以再导入）。"
        "举报人保密的工单不导出来电人和电话；电话默认脱敏，--personal-data 导出完整号码。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["orders"], help="what to export (orders)")
        parser.add_argument("--out", type=Path, required=True, metavar="FILE.csv|FILE.xlsx")
        parser.add_argument(
            "--format", choices=["csv", "xlsx"], help="default: from the file's ending"
        )
        parser.add_argument("--status", default="", help="a status, by code or label (已办结)")
        parser.add_argument(
            "--unit", default="", help="a unit's name: its orders and those of the units below it"
        )
        parser.add_argument("--category", default="", help="a taxonomy code (03.04)")
        parser.add_argument("--channel", default="", help="a channel, by code or label (微信)")
        parser.add_argument(
            "--since", type=_day, metavar="YYYY-MM-DD", help="registered on or after this day"
        )
        parser.add_argument(
            "--until", type=_day, metavar="YYYY-MM-DD", help="registered on or before this day"
        )
        parser.add_argument(
            "--personal-data",
            action="store_true",
            help="phones in full (confidential reporters never); needs --by and --purpose, "
            "and is audited",
        )
        parser.add_argument(
            "--by", default="", metavar="USERNAME", help="who exports personal data (recorded)"
        )
        parser.add_argument(
            "--purpose", default="", help="why personal data is exported (recorded)"
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=100_000,
            metavar="N",
            help="a progress line every N rows",
        )

    def handle(self, *args: Any, out: Path, personal_data: bool, **options: Any) -> None:
        started = time.monotonic()
        excel = (options["format"] or out.suffix.lower().lstrip(".")) == "xlsx"

        def progress(text: str) -> None:
            self.stderr.write(f"[{time.monotonic() - started:6.1f} s] {text}")
            self.stderr.flush()

        exporter = None
        if personal_data:
            exporter = User.objects.filter(username=options["by"], is_active=True).first()
            if exporter is None or not options["purpose"].strip():
                raise CommandError(
                    "导出完整电话号码须用 --by 指明导出人（有效用户名）并用 --purpose 写明用途",
                    returncode=2,
                )
        try:
            filters = services.export_filters(
                **{
                    k: options[k]
                    for k in ("status", "unit", "category", "channel", "since", "until")
                }
            )
            count = services.export_orders(
                out,
                excel=excel,
                personal_data=personal_data,
                progress=progress,
                every=max(1, options["progress_every"]),
                **filters,
            )
        except (legacy.Problem, legacy.FileProblem) as problem:
            raise CommandError(str(problem), returncode=1) from None
        except OSError as error:
            raise CommandError(f"无法写入 {out}：{error}", returncode=1) from None
        if exporter is not None:
            record_export(exporter, count=count, purpose=options["purpose"].strip())
        self.stdout.write(
            f"已导出 {count:,} 个工单到 {out}（{time.monotonic() - started:.1f} 秒）。"
        )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD：「{text}」") from None
