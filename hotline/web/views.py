from collections.abc import Mapping
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.analytics.selectors import dashboard_rates
from hotline.audit.services import reveal_caller
from hotline.core import clock
from hotline.core.errors import DomainError, InvalidInput, PermissionDenied
from hotline.notifications.selectors import delivery_log
from hotline.orders import services
from hotline.orders.models import Attachment, WorkOrder
from hotline.orders.selectors import (
    QUEUE_TITLES,
    dashboard_figures,
    deadline_mark,
    order_timeline,
    queue,
    queue_counts,
    related_orders,
    visible_order,
    visible_units,
)
from hotline.orders.selectors import order_list as select_orders
from hotline.orders.workflow import Action, Status
from hotline.org.models import Unit, User
from hotline.org.permissions import Capability, StrOrPromise, may, requires
from hotline.org.requests import StaffRequest
from hotline.org.roles import Role
from hotline.problems import workflow as problem_workflow
from hotline.problems.models import Source
from hotline.problems.selectors import findings as problem_findings
from hotline.problems.selectors import proposal
from hotline.problems.workflow import Action as ProblemAction

from . import actions
from .filters import OrderFilterForm


@login_required
@requires(Capability.READ_QUEUE)
def home(request: StaffRequest) -> HttpResponse:
    """Each role's queue with the counts that matter (待办)."""
    now = clock.now()
    orders = queue(request.user, now)
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/home.html",
        {
            "title": QUEUE_TITLES.get(request.user.role, _("未办结的工单")),
            "page": page,
            "rows": [(order, deadline_mark(order, now)) for order in page],
            "counts": queue_counts(request.user, now),
        },
    )


@login_required
@requires(Capability.READ_DASHBOARD)
def dashboard(request: StaffRequest) -> HttpResponse:
    """Volumes, rates, the streets' ranking and overdue units at a glance, as charts (ECharts):
    the city's for the centre, the unit's own (with its sub-units) for a unit."""
    user = request.user
    unit = None if may(user, Capability.SEE_CITY) else user.unit
    rates = dashboard_rates(unit, today=timezone.localdate())
    found = [
        (f, urlencode({**proposal(f), "source": Source.FINDING}, doseq=True))
        for f in problem_findings(user)
    ]
    return render(
        request,
        "web/dashboard.html",
        {
            "figures": dashboard_figures(user) | {"rates": rates},
            "rates": rates,
            "findings": found,
            "may_propose": problem_workflow.refusal(ProblemAction.PROPOSE, None, Role(user.role))
            is None,
        },
    )


@login_required
@requires(Capability.LIST_ORDERS)
def order_list(request: StaffRequest) -> HttpResponse:
    """Orders the user may see, filtered as the query string says; invalid filters are named."""
    form = OrderFilterForm(request.GET)
    orders = select_orders(request.user, **form.selection())
    if not form.is_valid():
        orders = orders.none()
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    now = clock.now()
    rows = [(order, deadline_mark(order, now)) for order in page]
    units = visible_units(request.user)
    return render(
        request,
        "web/order_list.html",
        {
            "page": page,
            "rows": rows,
            "statuses": Status.choices,
            "form": form,
            "query": form.query(),
            "extra": form.extra(),
            "status": form.data.get("status", ""),
            "unit": form.cleaned_data.get("unit") if form.is_valid() else None,
            "units": units.exclude(kind=Unit.Kind.COMMUNITY).order_by("path"),
        },
        status=200 if form.is_valid() else 400,
    )


def _visible_order(user: User, number: str) -> WorkOrder:
    try:
        return visible_order(user, number)
    except WorkOrder.DoesNotExist:
        raise Http404(_("没有这个工单，或不在您的可见范围内")) from None


def _detail_page(
    request: StaffRequest,
    order: WorkOrder,
    *,
    failed: Action | None = None,
    errors: Mapping[str, StrOrPromise] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms = [
        (a, actions.form_fields(a, order, request.user))
        for a in services.actions_for(request.user, order)
    ]
    caller_phone = reveal_caller(request.user, order, channel="web")[1]
    return render(
        request,
        "web/order_detail.html",
        {
            "order": order,
            "events": order_timeline(order),
            "mark": deadline_mark(order),
            "caller_phone": caller_phone,
            "cohandlers": order.cohandlers.all(),
            "duplicates": order.duplicates.all(),
            "messages_log": delivery_log(order, caller_phone),
            "related": related_orders(request.user, order),
            "show_suggestions": may(request.user, Capability.SEE_SUGGESTIONS) and order.suggestions,
            "action_forms": forms,
            "with_files": actions.WITH_FILES,
            "attachments": order.attachments.all(),
            "failed": failed,
            "errors": errors or {},
            "posted": request.POST if failed else {},
        },
        status=status,
    )


@login_required
@requires(Capability.READ_ORDER)
def order_detail(request: StaffRequest, number: str) -> HttpResponse:
    return _detail_page(request, _visible_order(request.user, number))


@login_required
@requires(Capability.READ_ATTACHMENT)
def attachment(request: StaffRequest, number: str, pk: int) -> FileResponse:
    """An order's file, to those who may see the order; images shown, other files downloaded."""
    order = _visible_order(request.user, number)
    item = get_object_or_404(Attachment, pk=pk, order=order)
    answer = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        as_attachment=not item.is_image,
        filename=item.name,
    )
    answer["X-Content-Type-Options"] = "nosniff"
    answer["Content-Security-Policy"] = "default-src 'none'"
    return answer


@login_required
@requires(Capability.ACT)
@require_POST
def order_action(request: StaffRequest, number: str, action: str) -> HttpResponse:
    """Take one lifecycle action from the order page; on refusal the page comes back with the
    reason beside the form, and nothing was changed."""
    order = _visible_order(request.user, number)
    if action not in Action.values or action == Action.REGISTER:
        raise Http404(_("没有这个操作"))
    action = Action(action)
    version = (
        int(request.POST["version"]) if request.POST.get("version", "").isdigit() else order.version
    )
    body, errors = actions.parse(action, request.POST, version)
    if body is None:
        return _detail_page(request, order, failed=action, errors=errors, status=422)
    try:
        actions.run(
            action,
            order,
            request.user,
            body,
            expected_version=version,
            files=request.FILES.getlist("attachments") if action in actions.WITH_FILES else (),
        )
    except InvalidInput as error:
        return _detail_page(request, order, failed=action, errors=error.errors, status=422)
    except DomainError as error:
        status = 403 if isinstance(error, PermissionDenied) else 409
        return _detail_page(
            request, order, failed=action, errors={"": error.message}, status=status
        )
    messages.success(request, _("已%(action)s") % {"action": action.label})
    return redirect("web:order_detail", number=number)
