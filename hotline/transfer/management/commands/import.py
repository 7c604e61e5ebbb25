import csv
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.transfer import legacy, services

SHOWN = 20  # errors printed; the report holds them all


class Command(BaseCommand):
    help = (
        "导入原系统的工单：hotline import orders FILE（CSV 或 .xlsx）。"
        "先校验全部行；有错误时默认不导入任何一行"
        "（--skip-invalid 只导入正确的行），--dry-run 只校验。列与规则见 docs/import-export.md。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["orders"], help="what to import (orders)")
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--map",
            default="",
            metavar="'原表头=字段,…'",
            help="map other headers to fields (number, 登记时间, …); "
            "'原表头=-' leaves a column out",
        )
        parser.add_argument(
            "--map-file", type=Path, help='the same as a JSON object {"原表头": "字段"}'
        )
        parser.add_argument("--sheet", help="the worksheet of an Excel file (default: the first)")
        parser.add_argument(
            "--encoding", default="utf-8-sig", help="of a CSV file (default UTF-8; e.g. gb18030)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the good rows, report the bad"
        )
        parser.add_argument(
            "--report",
            type=Path,
            metavar="FILE.csv",
            help="write every problem (row, column, value, message)",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=100_000,
            metavar="N",
            help="a progress line every N rows",
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        dry_run: bool,
        skip_invalid: bool,
        report: Path | None,
        **options: Any,
    ) -> None:
        started = time.monotonic()

        def progress(text: str) -> None:
            self.stderr.write(f"[{time.monotonic() - started:6.1f} s] {text}")
            self.stderr.flush()

        try:
            mapping = legacy.parse_mapping(options["map"])
            if options["map_file"]:
                mapping = legacy.read_mapping_file(options["map_file"]) | mapping
            result = services.import_orders(
                file,
                mapping=mapping,
                encoding=options["encoding"],
                sheet=options["sheet"],
                dry_run=dry_run,
                skip_invalid=skip_invalid,
                progress=progress,
                every=max(1, options["progress_every"]),
            )
        except legacy.FileProblem as problem:
            raise CommandError(
                f"{file}：{problem.message}\n未导入任何工单。", returncode=1
            ) from None
        if result.ignored_columns:
            self.stdout.write(
                f"未导入的列（不认识的表头，可用 --map 指定）：{'、'.join(result.ignored_columns)}"
            )
        self.stdout.write(
            f"共 {result.rows:,} 行：正确 {result.rows - result.bad_rows:,} 行，"
            f"有错误 {result.bad_rows:,} 行（{len(result.errors):,} 处）。"
        )
        for e in result.errors[:SHOWN]:
            self.stdout.write(
                f"  第 {e.row} 行「{e.column}」"
                f"{'「' + e.value[:40] + '」' if e.value else ''}：{e.message}"
            )
        if len(result.errors) > SHOWN:
            self.stdout.write(
                f"  …另有 {len(result.errors) - SHOWN:,} 处"
                + ("，见报告" if report else "，加 --report FILE.csv 可得完整报告")
            )
        if report:
            _write_report(report, result.errors)
            self.stdout.write(f"错误报告：{report}")
        seconds = f"（{time.monotonic() - started:.1f} 秒）"
        if result.imported:
            self.stdout.write(f"已导入 {result.imported:,} 个工单{seconds}。")
        elif dry_run:
            self.stdout.write(f"试运行：未写入任何数据{seconds}。")
        if result.errors and not skip_invalid:
            raise CommandError(
                "有错误，未导入任何工单：请修正后重新导入，或加 --skip-invalid 只导入正确的行。",
                returncode=1,
            )


def _write_report(path: Path, errors: list[legacy.RowError]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["行号", "列", "值", "错误"])
        writer.writerows((e.row, e.column, e.value, e.message) for e in errors)
