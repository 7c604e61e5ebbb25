"""What a report is, independent of how it is shown (web page, PDF, Excel).

The analyses build a ``Report``; ``render`` turns it into HTML, PDF or a workbook. Cells are
plain values (numbers stay numbers so a workbook can sum them); a row may link to the orders
behind it.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Cell = str | int | float | None


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    # Per row: the console URL listing the orders behind that row, or None.
    links: list[str | None] = field(default_factory=list)
    # Columns holding rates (0..1): shown as percentages, stored as fractions in Excel.
    percent_columns: frozenset[int] = frozenset()
    note: str = ""


@dataclass
class Chart:
    title: str
    kind: Literal["bar", "line", "pie"]
    labels: list[str]
    series: dict[str, list[float]]


@dataclass
class Section:
    title: str
    text: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Report:
    title: str
    period: str  # e.g. "2026年10月" or "2026-11-02 至 2026-11-08"
    generated_at: datetime
    sections: list[Section]
    # (rate name, its definition): every report shows how its numbers are made.
    definitions: list[tuple[str, str]] = field(default_factory=list)
