"""The citizen portal: submit a request, track it by number and phone, rate it from the link
sent after the reply. Public pages: every form is rate-limited per client address."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hotline.core import ratelimit
from hotline.core.errors import DomainError, InvalidInput
from hotline.notifications.links import survey_number
from hotline.orders import services
from hotline.orders.models import Channel, WorkOrder
from hotline.orders.workflow import Status

from .forms import RateForm, SubmitForm, TrackForm
from .selectors import order_for_citizen, public_steps


def _limited(request: HttpRequest, scope: str, rule: str) -> HttpResponse | None:
    """None while the client is within ``settings.HOTLINE_RATE_LIMITS[rule]``, else the 429 page."""
    verdict = ratelimit.hit(scope, ratelimit.client_ip(request), ratelimit.rule(rule))
    if verdict.allowed:
        return None
    response = render(
        request, "portal/limited.html", {"minutes": -(-verdict.retry_after // 60)}, status=429
    )
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _form_errors(form: forms.Form, error: InvalidInput) -> None:
    for field, message in error.errors.items():
        field = "photo" if field == "attachments" else field
        form.add_error(field if field in form.fields else None, message)


@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    form = SubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if limited := _limited(request, "portal.submit", "portal.submit"):
            return limited
        if form.is_valid() and not form.cleaned_data["website"]:
            data = form.cleaned_data
            try:
                order = services.register_order(
                    actor=None,
                    channel=Channel.WEB,
                    text=data["text"],
                    address=data["address"],
                    order_type=data["order_type"],
                    caller_name=data["caller_name"],
                    caller_phone=data["caller_phone"],
                    confidential=data["confidential"],
                    files=[data["photo"]] if data["photo"] else [],
                )
            except InvalidInput as error:
                _form_errors(form, error)
            else:
                request.session["portal_submitted"] = order.number
                return redirect("portal:submitted")
    return render(request, "portal/submit.html", {"form": form})


def submitted(request: HttpRequest) -> HttpResponse:
    number = request.session.get("portal_submitted")
    if not number:
        return redirect("portal:submit")
    return render(request, "portal/submitted.html", {"number": number})


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None, initial={"number": request.GET.get("number", "")})
    order = None
    if request.method == "POST":
        if limited := _limited(request, "portal.track", "portal.lookup"):
            return limited
        if form.is_valid():
            order = order_for_citizen(form.cleaned_data["number"], form.cleaned_data["phone"])
            if order is None:
                form.add_error(None, _("工单编号与手机号码不匹配，请核对后再试"))
    return render(
        request,
        "portal/track.html",
        {
            "form": form,
            "order": order,
            "steps": public_steps(order) if order else [],
            "answered": order is not None and order.status in (Status.PENDING_VISIT, Status.CLOSED),
        },
    )


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    if limited := _limited(request, "portal.rate", "portal.lookup"):
        return limited
    number = survey_number(token)
    order = WorkOrder.objects.filter(number=number).first() if number else None
    if order is None:
        return render(request, "portal/rate.html", {"invalid": True}, status=404)
    form = RateForm(request.POST or None)
    if request.method == "POST" and order.status == Status.PENDING_VISIT and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_order(
                order=order,
                actor=None,
                resolved=data["resolved"],
                satisfaction=data["satisfaction"],
                note=data["note"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("portal:rate", token=token)
    return render(
        request,
        "portal/rate.html",
        {"order": order, "form": form, "open": order.status == Status.PENDING_VISIT},
    )
