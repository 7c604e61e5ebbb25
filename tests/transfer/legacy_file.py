"""Legacy order files for tests and measurements: realistic rows of every importable shape, with
bad rows of varied kinds at known positions."""

import csv
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from hotline.transfer.legacy import HEADERS

# One fault each: (the column it is in, how it spoils a good row).
FAULTS = [
    ("联系电话", lambda row, rnd: row.update({"联系电话": "138-1234-567"})),
    ("诉求内容", lambda row, rnd: row.update({"诉求内容": "  "})),
    ("承办单位", lambda row, rnd: row.update({"承办单位": "不存在的单位"})),
    ("分类", lambda row, rnd: row.update({"分类": "99.99"})),
    ("登记时间", lambda row, rnd: row.update({"登记时间": "2025-13-40 10:00"})),
    ("签收时间", lambda row, rnd: row.update({"签收时间": _shift(row["登记时间"], -60)})),
    ("满意度", lambda row, rnd: row.update({"满意度": "很好"})),
    ("状态", lambda row, rnd: row.update({"状态": "已并单"})),
    ("是否解决", lambda row, rnd: row.update({"是否解决": "也许"})),
    ("工单编号", None),  # a number an earlier row has: filled in by ``rows``
]


def _shift(text: str, minutes: int) -> str:
    moment = datetime.strptime(text, "%Y-%m-%d %H:%M:%S") + timedelta(minutes=minutes)
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def _at(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment else ""


def good_row(
    i: int,
    rnd: random.Random,
    *,
    units: list[str],
    categories: list[str],
    places: list[str],
    end: datetime,
) -> dict[str, str]:
    """Row ``i`` (numbered from 0): most orders closed after a visit, some answered on the spot,
    some closed without a visit, a few still open or cancelled."""
    registered = (end - timedelta(minutes=30_000 + rnd.randrange(500_000))).replace(
        second=0, microsecond=0
    )
    row = dict.fromkeys(HEADERS, "")
    row.update(
        {
            "工单编号": f"L{i:09d}",
            "登记时间": _at(registered),
            "渠道": rnd.choice(["电话", "微信", "web", "网站"]),
            "诉求类型": rnd.choice(["投诉", "求助", "咨询", "complaint"]),
            "分类": rnd.choice(categories),
            "紧急程度": rnd.choice(["一般", "一般", "紧急"]),
            "诉求内容": f"{rnd.choice(places)}附近"
            f"{rnd.choice(['垃圾没人清运', '夜间施工噪音扰民', '路灯不亮', '下水道堵塞'])}"
            f"，请尽快处理。第{i}号",
            "来电人": rnd.choice(["张先生", "李女士", "王先生", ""]),
            "联系电话": f"13{rnd.randrange(10**9):09d}",
            "地址": f"{rnd.choice(places)}{rnd.randrange(1, 30)}栋",
        }
    )
    shape = rnd.random()
    if shape < 0.12:  # answered on the spot
        row.update({"办理结果": "已答复政策", "办结时间": _at(registered + timedelta(minutes=5))})
        return row
    if shape < 0.13:
        row.update({"状态": "已作废", "办结时间": _at(registered + timedelta(minutes=30))})
        return row
    if shape < 0.14:
        return row  # registered only
    steps = [registered + timedelta(minutes=m) for m in sorted(rnd.sample(range(10, 20_000), 5))]
    row.update({"承办单位": rnd.choice(units), "派单时间": _at(steps[0])})
    if shape < 0.16:
        return row
    row.update(
        {"签收时间": _at(steps[1]), "先行联系时间": _at(steps[2]) if rnd.random() < 0.8 else ""}
    )
    if shape < 0.18:
        return row
    row.update({"回复时间": _at(steps[3]), "办理结果": "已处理完毕"})
    if shape < 0.20:
        row["状态"] = "待回访" if shape < 0.19 else ""
        return row
    row.update({"办结时间": _at(steps[4])})
    if shape > 0.25:
        row.update(
            {
                "满意度": rnd.choice(["满意", "基本满意", "不满意", "satisfied"]),
                "是否解决": rnd.choice(["是", "否"]),
            }
        )
    return row


def rows(n: int, *, bad_every: int = 0, seed: int = 7, **reference) -> Iterator[dict[str, str]]:
    """``n`` rows; with ``bad_every`` each row i with i % bad_every == bad_every // 2 carries
    one fault (``bad_positions`` gives their file rows)."""
    rnd = random.Random(seed)
    for i in range(n):
        row = good_row(i, rnd, **reference)
        if bad_every and i % bad_every == bad_every // 2:
            column, spoil = FAULTS[(i // bad_every) % len(FAULTS)]
            if spoil is None:
                row["工单编号"] = f"L{i - 1:09d}"
            else:
                spoil(row, rnd)
        yield row


def bad_positions(n: int, bad_every: int) -> set[int]:
    """The file rows (header = 1) ``rows`` spoils."""
    return {i + 2 for i in range(n) if i % bad_every == bad_every // 2}


def write_csv(path: Path, n: int, **options) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=HEADERS)
        writer.writeheader()
        writer.writerows(rows(n, **options))
    return path
