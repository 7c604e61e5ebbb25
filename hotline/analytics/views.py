"""The reports in the staff console: pages with charts, and the same report as PDF or Excel."""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone

from hotline.org.permissions import Capability, requires

from . import reports
from .document import Report
from .render import body_context, to_pdf, to_xlsx
from .selectors import Period

DOWNLOADS = {
    "pdf": (to_pdf, "application/pdf"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
KINDS = {"daily": "日报", "weekly": "周评", "monthly": "月度分析"}
CACHE_SECONDS = 600


@login_required
@requires(Capability.READ_REPORTS)
def index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=1)
    return render(
        request,
        "analytics/index.html",
        {
            "yesterday": today - timedelta(days=1),
            "last_week": today - timedelta(days=7),
            "last_month": f"{last_month:%Y-%m}",
            "kinds": KINDS,
        },
    )


@login_required
@requires(Capability.READ_REPORTS)
def report(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        built = _cached(kind, request.GET)
    except ValueError as error:
        return render(
            request, "analytics/index.html", {"error": str(error), "kinds": KINDS}, status=400
        )
    fmt = request.GET.get("format", "")
    if fmt in DOWNLOADS:
        make, content_type = DOWNLOADS[fmt]
        response = HttpResponse(
            make(built, base_url=request.build_absolute_uri("/")), content_type=content_type
        )
        name = f"{kind}-{request.GET.get('month') or request.GET.get('date')}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(
        request,
        "analytics/report.html",
        {**body_context(built), "kind": kind, "query": request.GET.urlencode()},
    )


def _cached(kind: str, params: QueryDict) -> Report:
    """A report is built once per ten minutes: its figures move only as the rollup is refreshed,
    and people page through the same report, its PDF and its workbook in a row."""
    key = f"analytics.report:{kind}:{params.get('month', '')}:{params.get('date', '')}"
    built = cache.get(key)
    if built is None:
        built = _build(kind, params)
        cache.set(key, built, CACHE_SECONDS)
    return built


def _build(kind: str, params: QueryDict) -> Report:
    if kind == "monthly":
        return reports.monthly_analysis(Period.parse_month(params.get("month", "")))
    if kind not in KINDS:
        raise ValueError(f"没有「{kind}」这种报表")
    try:
        day = date.fromisoformat(params.get("date", ""))
    except ValueError:
        raise ValueError("日期应写作 YYYY-MM-DD，例如 2026-10-12") from None
    return reports.daily_summary(day) if kind == "daily" else reports.weekly_evaluation(day)
