"""The problem pages (难题): the register, proposing one, a problem's page with its actions, and
a campaign's page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.core import clock
from hotline.core.errors import DomainError, InvalidInput, PermissionDenied
from hotline.org.models import User
from hotline.org.permissions import Capability, requires
from hotline.org.requests import StaffRequest
from hotline.problems import selectors, services
from hotline.problems.models import Campaign, Problem
from hotline.problems.workflow import Action

from .problem_forms import FORMS, ProblemFilterForm, ProposeForm


def _visible_problem(user: User, pk: int) -> Problem:
    try:
        return selectors.visible_problem(user, pk)
    except Problem.DoesNotExist:
        raise Http404(_("没有这个难题，或不在您的可见范围内")) from None


@login_required
@requires(Capability.READ_PROBLEMS)
def problem_list(request: StaffRequest) -> HttpResponse:
    """The register of the problems the user may see, filtered as the query string says."""
    form = ProblemFilterForm(request.GET)
    found = selectors.register(request.user, **form.selection())
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "web/problem_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "now": clock.now()},
        status=200 if form.is_valid() else 400,
    )


@login_required
@requires(Capability.ACT_ON_PROBLEMS)
def problem_propose(request: StaffRequest) -> HttpResponse:
    """Propose a problem: by hand, or prefilled from a finding or a selection of orders."""
    if request.method != "POST":
        prefill = request.GET.dict() | {"categories": request.GET.getlist("categories")}
        return render(request, "web/problem_propose.html", {"form": ProposeForm(initial=prefill)})
    form = ProposeForm(request.POST)
    refusal = ""
    if form.is_valid():
        try:
            problem = form.propose(request.user)
        except InvalidInput as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except DomainError as error:
            refusal = error.message
        else:
            messages.success(request, _("已提出难题"))
            return redirect("web:problem_detail", problem_id=problem.pk)
    return render(
        request,
        "web/problem_propose.html",
        {"form": form, "refusal": refusal},
        status=403 if refusal else 422,
    )


def _problem_page(
    request: StaffRequest,
    problem: Problem,
    *,
    failed: Action | None = None,
    failed_form: object = None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    forms = [
        (a, failed_form if a == failed else FORMS[a](problem))
        for a in services.actions_for(request.user, problem)
    ]
    before, after = selectors.before_and_after(problem)
    return render(
        request,
        "web/problem_detail.html",
        {
            "problem": problem,
            "categories": problem.categories.all(),
            "measures": problem.measures.select_related("unit"),
            "call_ins": problem.call_ins.select_related("unit"),
            "meetings": problem.meetings.prefetch_related("units"),
            "links": selectors.live_links(problem),
            "events": problem.events.select_related("actor"),
            "chart": {"before": before, "after": after},
            "action_forms": forms,
            "failed": failed,
            "refusal": refusal,
            "overdue": selectors.overdue(problem),
            "now": clock.now(),
        },
        status=status,
    )


@login_required
@requires(Capability.READ_PROBLEMS)
def problem_detail(request: StaffRequest, problem_id: int) -> HttpResponse:
    return _problem_page(request, _visible_problem(request.user, problem_id))


@login_required
@requires(Capability.ACT_ON_PROBLEMS)
@require_POST
def problem_action(request: StaffRequest, problem_id: int, action: str) -> HttpResponse:
    """Take one action from the problem's page, on the version the page showed; on refusal the
    page comes back with the reason beside the form, and nothing was changed."""
    problem = _visible_problem(request.user, problem_id)
    current = _visible_problem(request.user, problem_id)  # the page shown again after a refusal
    if action not in FORMS:
        raise Http404(_("没有这个操作"))
    taken = Action(action)
    shown = request.POST.get("version", "")
    if shown.isdigit():
        problem.version = int(shown)  # the services refuse a stale copy by its version
    form = FORMS[taken](problem, request.POST)
    if not form.is_valid():
        return _problem_page(request, current, failed=taken, failed_form=form, status=422)
    try:
        form.run(request.user)
    except InvalidInput as error:
        for field, message in error.errors.items():
            form.add_error(field if field in form.fields else None, message)
        return _problem_page(request, current, failed=taken, failed_form=form, status=422)
    except DomainError as error:
        code = 403 if isinstance(error, PermissionDenied) else 409
        return _problem_page(
            request, current, failed=taken, failed_form=form, refusal=error.message, status=code
        )
    messages.success(request, _("已%(action)s") % {"action": taken.label})
    return redirect("web:problem_detail", problem_id=problem.pk)


@login_required
@requires(Capability.READ_PROBLEMS)
def campaign_detail(request: StaffRequest, campaign_id: int) -> HttpResponse:
    """专项整治: its problems (those the user may see) and its weeks against its baseline."""
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    today = timezone.localdate(clock.now())
    this_year, last_year, baseline = selectors.campaign_weeks(campaign, today)
    return render(
        request,
        "web/campaign_detail.html",
        {
            "campaign": campaign,
            "problems": selectors.register(request.user, campaign=campaign),
            "progress": selectors.campaign_progress(campaign, today),
            "chart": {
                "this_year": this_year,
                "last_year": last_year,
                "baseline": baseline,
                "target": [round(n * (100 - campaign.target_drop) / 100, 1) for n in last_year],
            },
        },
    )
