"""Server time of every staff and portal page on the demo city.

    HOTLINE_VAR_DIR=var .venv/bin/python bench/pages.py [--repeat 20]

Runs in-process against an installation that holds the demo city (``hotline demo --no-serve``):
for each role it logs in and requests that role's pages through Django's test client, which
runs the whole request (middleware, views, queries, templates) without a network in between.
Prints a table and, last, one JSON line with the median and worst p95 in milliseconds.
"""

import argparse
import json
import os
import statistics
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
os.environ["HOTLINE_ALLOWED_HOSTS"] = "testserver"  # the test client's host
django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from hotline.notifications.links import survey_url  # noqa: E402
from hotline.orders.models import WorkOrder  # noqa: E402
from hotline.org.models import User  # noqa: E402


def pages_of(user: User) -> list[str]:
    """The role's own pages plus an order page it may see (the newest in its queue)."""
    from hotline.orders.selectors import queue

    pages = ["/", "/orders/", "/orders/?status=accepted", "/dashboard/"]
    if user.role in ("operator", "dispatcher"):
        pages.append("/intake/")
        pages.append("/intake/suggestions/?text=小区门口的下水道堵了好几天，污水都漫到路上了&address=")
    order = queue(user).first()
    if order is not None:
        pages.append(f"/orders/{order.number}/")
    if user.role in ("dispatcher", "supervisor"):
        pages += report_pages()
    return pages


def report_pages() -> list[str]:
    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    return ["/reports/", f"/reports/daily/?date={today - timedelta(days=1)}",
            f"/reports/weekly/?date={today - timedelta(days=7)}", f"/reports/monthly/?month={last_month:%Y-%m}"]


def measure(client: Client, path: str, repeat: int) -> tuple[list[float], int, int]:
    client.get(path)  # warm: caches, the triage model
    times = []
    with CaptureQueriesContext(connection) as queries:
        for _ in range(repeat):
            if path.startswith("/portal/"):
                cache.clear()  # the portal's rate limits count in Django's cache; a bench is not abuse
            start = time.perf_counter()
            answer = client.get(path)
            times.append((time.perf_counter() - start) * 1000)
    assert answer.status_code == 200, (path, answer.status_code)
    return times, answer.status_code, len(queries.captured_queries) // repeat


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"orders in the database: {WorkOrder.objects.count():,}")
    print(f"{'user':<12} {'page':<60} {'median ms':>9} {'p95 ms':>7} {'queries':>7}")
    results = []
    for username in ["operator", "dispatcher", "handler", "lead", "visitor", "supervisor", "heat-handler"]:
        user = User.objects.get(username=username)
        client = client_for(username)
        for path in pages_of(user):
            times, _, queries = measure(client, path, args.repeat)
            p95 = statistics.quantiles(times, n=20)[-1]
            results.append({"user": username, "page": path, "median": statistics.median(times), "p95": p95})
            print(f"{username:<12} {path[:60]:<60} {statistics.median(times):>9.1f} {p95:>7.1f} {queries:>7}")
    citizen = Client()
    order = WorkOrder.objects.filter(status="pending_visit").exclude(caller_phone="").first()
    for path in ["/portal/", f"/portal/track/?number={order.number}", survey_url(order.number).split("8000", 1)[1]]:
        times, _, queries = measure(citizen, path, args.repeat)
        p95 = statistics.quantiles(times, n=20)[-1]
        results.append({"user": "citizen", "page": path, "median": statistics.median(times), "p95": p95})
        print(f"{'citizen':<12} {path[:60]:<60} {statistics.median(times):>9.1f} {p95:>7.1f} {queries:>7}")
    print("reports built afresh (the first view; later views within ten minutes are kept):")
    for path in report_pages()[1:]:
        cache.clear()
        start = time.perf_counter()
        assert client_for("supervisor").get(path).status_code == 200
        print(f"{'supervisor':<12} {path[:60]:<60} {(time.perf_counter() - start) * 1000:>9.1f}")
    worst = max(results, key=lambda r: r["p95"])
    print(json.dumps({"pages": len(results), "median_ms": round(statistics.median(r["median"] for r in results), 1),
                      "worst_p95_ms": round(worst["p95"], 1), "worst_page": f"{worst['user']} {worst['page']}"}))


if __name__ == "__main__":
    main()
