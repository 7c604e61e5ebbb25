from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from hotline.core import clock
from hotline.notifications.selectors import delivery_log
from hotline.orders.models import WorkOrder
from hotline.orders.selectors import deadline_mark, order_timeline, visible_caller, visible_orders
from hotline.orders.selectors import order_list as select_orders
from hotline.orders.workflow import Status
from hotline.org.models import Unit


@login_required
def order_list(request):
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    unit = Unit.objects.filter(pk=request.GET.get("unit") or None).first() if request.GET.get("unit", "").isdigit() else None
    orders = select_orders(request.user, status=status, unit=unit)
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    now = clock.now()
    rows = [(order, deadline_mark(order, now)) for order in page]
    units = Unit.objects.filter(path__startswith=request.user.unit.path) if request.user.unit_id else Unit.objects.all()
    return render(request, "web/order_list.html", {
        "page": page, "rows": rows, "statuses": Status.choices, "status": status,
        "units": units.exclude(kind=Unit.Kind.COMMUNITY).order_by("path"), "unit": unit,
    })


@login_required
def order_detail(request, number: str):
    try:
        order = visible_orders(request.user).select_related(
            "category", "unit", "handling_unit", "district", "street", "community", "duplicate_of"
        ).get(number=number)
    except WorkOrder.DoesNotExist:
        raise Http404("没有这个工单，或不在您的可见范围内") from None
    return render(request, "web/order_detail.html", {
        "order": order, "events": order_timeline(order), "mark": deadline_mark(order),
        "caller_phone": visible_caller(request.user, order)[1],
        "cohandlers": order.cohandlers.all(), "duplicates": order.duplicates.all(),
        "messages": delivery_log(request.user, order),
    })
