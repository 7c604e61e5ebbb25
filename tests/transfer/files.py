"""Small files for the transfer tests, and running the commands."""

import csv
import io
from pathlib import Path

from django.core.management import call_command

from hotline.transfer.legacy import HEADERS

# A visited order of the test city (tests/factories.py), closed in February 2026.
VISITED = {
    "工单编号": "L1",
    "登记时间": "2026-02-02 09:00",
    "分类": "02.01",
    "诉求类型": "投诉",
    "诉求内容": "东城1路11小区门口垃圾三天没人清运",
    "来电人": "张先生",
    "联系电话": "13812345678",
    "地址": "东城11小区3栋",
    "承办单位": "东城1街道",
    "派单时间": "2026-02-02 09:10",
    "签收时间": "2026-02-02 10:00",
    "先行联系时间": "2026-02-02 10:30",
    "回复时间": "2026-02-03 16:00",
    "办理结果": "已清运",
    "是否解决": "是",
    "满意度": "满意",
    "办结时间": "2026-02-04 10:00",
}
ON_THE_SPOT = {
    "工单编号": "L2",
    "登记时间": "2026-02-02 11:00",
    "诉求类型": "咨询",
    "分类": "14.01",
    "诉求内容": "社保卡怎么补办",
    "办理结果": "已告知补办流程",
    "办结时间": "2026-02-02 11:05",
}


def write_csv(path: Path, rows: list[dict], headers: list[str] = HEADERS) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=headers, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def run(command: str, *args) -> tuple[str, str]:
    """``hotline import|export orders ARGS``: (stdout, stderr); CommandError propagates."""
    out, err = io.StringIO(), io.StringIO()
    call_command(command, "orders", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()
