"""Rates and reports at city scale: rollup rebuild, monthly report, ranking and dashboard queries.

    DATABASE_URL=postgres://... .venv/bin/python bench/analytics.py [--rebuild] [--month YYYY-MM] [--repeat 5]

Runs against an installation that already holds orders (``hotline bench generate --orders N``,
or the demo city). ``--rebuild`` first recomputes the rollup from the event log and times it.
Then, for the month (default: the last full month with orders), it times, each ``--repeat``
times with the median reported:

- the monthly analysis for all units (``reports.monthly_analysis``: every section, every table);
- the ranking of every kind of unit (``selectors.unit_ranking``), what ``hotline kpi`` prints;
- the PDF and the workbook made from that report;
- the dashboard's queries (``dashboard_rates`` for the city and for one street; one month's
  counters by unit, by category and by day).

Prints a table and, last, one JSON line of the figures.
"""

import argparse
import json
import os
import statistics
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Max  # noqa: E402

from hotline.analytics import reports, selectors, services  # noqa: E402
from hotline.analytics.models import Cell, Contribution  # noqa: E402
from hotline.analytics.render import to_pdf, to_xlsx  # noqa: E402
from hotline.analytics.selectors import Period  # noqa: E402
from hotline.orders.models import Event, WorkOrder  # noqa: E402
from hotline.org.models import Unit  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median seconds over ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def table_count(model) -> int:
    """The planner's estimate on PostgreSQL (counting 10 M rows exactly takes seconds)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [model._meta.db_table])
            row = cursor.fetchone()
            if row and row[0] > 0:
                return row[0]
    return model.objects.count()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true", help="recompute the rollup from the events first")
    parser.add_argument("--month", help="YYYY-MM (default: the last full month with orders)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    figures: dict = {"database": connection.vendor, "orders": table_count(WorkOrder), "events": table_count(Event)}
    print(f"{figures['database']}: {figures['orders']:,} orders, {figures['events']:,} events")
    if args.rebuild:
        start = time.perf_counter()
        done = services.rebuild_rollup(progress=lambda n: print(f"  rebuilt {n:,} orders "
                                                                 f"[{time.perf_counter() - start:.0f} s]", flush=True)
                                       if n % 1_000_000 < 20_000 else None)
        figures["rebuild_s"] = round(time.perf_counter() - start, 1)
        figures["rebuild_orders_per_s"] = round(done / figures["rebuild_s"])
        print(f"rollup rebuilt from the events: {done:,} orders in {figures['rebuild_s']} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE analytics_cell")
    figures["contributions"], figures["cells"] = table_count(Contribution), table_count(Cell)

    if args.month:
        period = Period.parse_month(args.month)
    else:
        last_day = Cell.objects.filter(registered__gt=0).aggregate(last=Max("day"))["last"]
        before = last_day.replace(day=1) - timedelta(days=1)
        period = Period.month(before.year, before.month)
    figures["month"] = f"{period.start:%Y-%m}"
    figures["cells_in_month"] = Cell.objects.filter(day__gte=period.start, day__lte=period.end).count()
    street = Unit.objects.filter(kind=Unit.Kind.STREET).first()

    rows = []

    def measure(name: str, fn, repeat: int = args.repeat):
        seconds, result = timed(fn, repeat)
        figures[name] = round(seconds * 1000, 1)
        rows.append((name, seconds))
        print(f"  {name:<34} {seconds * 1000:>10.1f} ms", flush=True)
        return result

    print(f"month {figures['month']} ({figures['cells_in_month']:,} rollup cells), median of {args.repeat}:")
    report = measure("monthly_report_ms", lambda: reports.monthly_analysis(period))
    measure("ranking_all_kinds_ms", lambda: [selectors.unit_ranking(period, kind) for kind, _ in selectors.ranked_kinds()])
    measure("pdf_ms", lambda: to_pdf(report), repeat=max(1, args.repeat // 2))
    measure("xlsx_ms", lambda: to_xlsx(report), repeat=max(1, args.repeat // 2))
    today = period.end + timedelta(days=15)
    measure("dashboard_city_ms", lambda: selectors.dashboard_rates(None, today=today))
    if street:
        measure("dashboard_street_ms", lambda: selectors.dashboard_rates(street, today=today))
    measure("month_by_unit_ms", lambda: selectors.counters(period, by=("unit_id",)))
    measure("month_by_category_ms", lambda: selectors.counters(period, by=("category_id",)))
    measure("month_by_day_ms", lambda: selectors.counters(period, by=("day",)))
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
