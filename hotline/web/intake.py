"""The operator's intake page: one screen to register a call, with triage suggestions, probable
duplicates and knowledge articles refreshed as the text is typed (HTMX)."""

import re
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from hotline.catalog.choices import OrderType, Urgency
from hotline.catalog.models import Category
from hotline.core.errors import DomainError, InvalidInput
from hotline.knowledge.models import Article
from hotline.orders import services as orders
from hotline.orders.models import Channel
from hotline.orders.selectors import caller_history
from hotline.org.permissions import Capability, requires
from hotline.org.requests import StaffRequest
from hotline.triage.selectors import repeat_calls, suggest


class IntakeForm(forms.Form):
    caller_phone = forms.CharField(label=_("来电号码"), required=False, max_length=30)
    caller_name = forms.CharField(label=_("来电人"), required=False, max_length=50)
    text = forms.CharField(
        label=_("诉求内容"),
        widget=forms.Textarea(attrs={"rows": 5, "autofocus": True}),
        max_length=4000,
    )
    address = forms.CharField(label=_("地址"), required=False, max_length=200)
    order_type = forms.ChoiceField(
        label=_("类型"), choices=OrderType.choices, initial=OrderType.HELP
    )
    category_code = forms.ChoiceField(label=_("分类"), required=False)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE)
    confidential = forms.BooleanField(label=_("举报人保密"), required=False)
    answer = forms.CharField(
        label=_("直接答复内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    article = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # Form's own arguments, passed on
        super().__init__(*args, **kwargs)
        categories = cast(forms.ChoiceField, self.fields["category_code"])
        categories.choices = [("", "（待派单员确定）")] + [
            (c.code, f"{c.code} {c.group}/{c.name}") for c in Category.objects.filter(active=True)
        ]


@login_required
@requires(Capability.REGISTER)
def intake(request: StaffRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answer, article = data.pop("answer").strip(), data.pop("article")
        try:
            if request.POST.get("answer_now"):
                order = orders.register_and_answer(
                    actor=request.user, answer=answer, article=str(article or ""), **data
                )
            else:
                order = orders.register_order(actor=request.user, **data)
        except InvalidInput as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("web:order_detail", number=order.number)
    return render(request, "web/intake.html", {"form": form})


@login_required
@requires(Capability.SEE_SUGGESTIONS)
@require_GET
def intake_suggestions(request: StaffRequest) -> HttpResponse:
    """The suggestion panel for the text typed so far (an HTMX fragment)."""
    text, address, phone = (
        request.GET.get(k, "").strip()[:4000] for k in ("text", "address", "caller_phone")
    )
    digits = re.sub(r"\D", "", phone)
    context: dict[str, object] = {
        "phone": phone,
        "repeat_calls": repeat_calls(phone) if phone else 0,
        "history": caller_history(request.user, digits) if len(digits) >= 7 else [],
    }
    if len(text) >= 4:
        context["s"] = suggestion = suggest(text, address, phone=phone)
        found = Article.objects.in_bulk([a["id"] for a in suggestion["articles"]])
        context["articles"] = [
            (found[a["id"]], a["score"]) for a in suggestion["articles"] if a["id"] in found
        ]
    return render(request, "web/intake_suggestions.html", context)
