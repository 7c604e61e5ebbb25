"""The problem pages' forms: the register's filters, proposing, and one form per action.

Each action's form checks only the shape of its input and names the problem's own measures,
call-ins and linked orders; who may take it, and when, is the services' to judge, so a refusal
reads the same on the page as through any other door.
"""

from collections.abc import Callable
from datetime import datetime, time
from typing import Any, ClassVar

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.catalog.models import Category
from hotline.orders.models import WorkOrder
from hotline.org.models import Unit, User
from hotline.org.roles import Role
from hotline.problems import services
from hotline.problems.models import Batch, CallIn, Campaign, Measure, Problem, Source
from hotline.problems.workflow import Action, Status

END_OF_DAY = time(18, 0)  # a deadline given as a day falls due at the end of its working day


def _working_units() -> QuerySet[Unit]:
    return Unit.objects.filter(active=True).exclude(kind=Unit.Kind.CENTRE).order_by("path")


def _leaders() -> QuerySet[User]:
    return User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("username")


class OrderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: WorkOrder) -> str:
        return obj.number


class CallChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: CallIn) -> str:
        return f"{obj.unit}：{obj.reason}"


class ProblemFilterForm(forms.Form):
    leader = forms.ModelChoiceField(queryset=_leaders(), required=False, label=_("包案领导"))
    batch = forms.ModelChoiceField(queryset=Batch.objects.all(), required=False, label=_("批次"))
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.all(), required=False, label=_("专项整治")
    )
    status = forms.ChoiceField(
        choices=[("", _("全部")), *Status.choices], required=False, label=_("状态")
    )
    overdue = forms.BooleanField(required=False, label=_("已超时限"))

    def selection(self) -> dict[str, Any]:
        """Keyword arguments for ``problems.selectors.register`` (only the valid filters)."""
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}


class ProposeForm(forms.Form):
    title = forms.CharField(max_length=100, label=_("标题"))
    description = forms.CharField(widget=forms.Textarea, required=False, label=_("描述"))
    area = forms.ModelChoiceField(
        queryset=Unit.objects.filter(
            kind__in=[Unit.Kind.DISTRICT, Unit.Kind.STREET, Unit.Kind.COMMUNITY], active=True
        ).order_by("path"),
        required=False,
        label=_("区域"),
    )
    address = forms.CharField(max_length=200, required=False, label=_("地点"))
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.filter(active=True).order_by("code"),
        required=False,
        label=_("分类"),
    )
    source = forms.ChoiceField(choices=Source.choices, initial=Source.MANUAL, label=_("来源"))
    source_ref = forms.CharField(max_length=200, required=False, label=_("来源说明"))
    orders = forms.CharField(required=False, label=_("关联工单"), help_text=_("逗号分隔的工单编号"))

    def clean_orders(self) -> list[WorkOrder]:
        numbers = [n.strip() for n in self.cleaned_data["orders"].split(",") if n.strip()]
        found = list(WorkOrder.objects.filter(number__in=numbers))
        if missing := sorted(set(numbers) - {o.number for o in found}):
            raise forms.ValidationError(_("没有这些工单：%(n)s") % {"n": "、".join(missing)})
        return found

    def propose(self, actor: User) -> Problem:
        return services.propose_problem(actor=actor, **self.cleaned_data)


class ActionForm(forms.Form):
    """One action's form on the page of ``problem``; ``run`` takes it through its service."""

    action: ClassVar[Action]
    service: Callable[..., object]  # the action's service, whose keywords the fields are named by

    def __init__(self, problem: Problem, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problem = problem
        self.narrow()

    def narrow(self) -> None:
        """Limit the choices to this problem's own measures, call-ins and orders."""

    def run(self, actor: User) -> object:
        return self.service(problem=self.problem, actor=actor, **self.cleaned_data)


def _day_end(day: Any) -> datetime:
    return datetime.combine(day, END_OF_DAY, timezone.get_current_timezone())


class AcceptForm(ActionForm):
    action = Action.ACCEPT
    service = staticmethod(services.accept_problem)
    leader = forms.ModelChoiceField(queryset=_leaders(), label=_("包案领导"))
    lead_unit = forms.ModelChoiceField(queryset=_working_units(), label=_("牵头单位"))
    deadline = forms.DateField(label=_("办结时限"), help_text="YYYY-MM-DD")
    batch = forms.ModelChoiceField(queryset=Batch.objects.all(), required=False, label=_("批次"))

    def clean_deadline(self) -> datetime:
        return _day_end(self.cleaned_data["deadline"])


class RejectForm(ActionForm):
    action = Action.REJECT
    service = staticmethod(services.reject_problem)
    reason = forms.CharField(widget=forms.Textarea, label=_("理由"))


class StartForm(ActionForm):
    action = Action.START
    service = staticmethod(services.start_problem)
    note = forms.CharField(widget=forms.Textarea, required=False, label=_("说明"))


class LinkOrderForm(ActionForm):
    action = Action.LINK_ORDER
    service = staticmethod(services.link_order)
    order = forms.CharField(max_length=20, label=_("工单编号"))
    reason = forms.CharField(max_length=200, label=_("关联原因"))

    def clean_order(self) -> WorkOrder:
        order = WorkOrder.objects.filter(number=self.cleaned_data["order"].strip()).first()
        if order is None:
            raise forms.ValidationError(_("没有这个工单"))
        return order


class UnlinkOrderForm(ActionForm):
    action = Action.UNLINK_ORDER
    service = staticmethod(services.unlink_order)
    order = OrderChoice(queryset=WorkOrder.objects.none(), label=_("工单"))
    reason = forms.CharField(max_length=200, label=_("取消原因"))

    def narrow(self) -> None:
        linked = WorkOrder.objects.filter(
            problem_links__problem=self.problem, problem_links__unlinked_at__isnull=True
        )
        _narrow(self, "order", linked)


class AddMeasureForm(ActionForm):
    action = Action.ADD_MEASURE
    service = staticmethod(services.add_measure)
    text = forms.CharField(max_length=300, label=_("措施"))
    unit = forms.ModelChoiceField(queryset=_working_units(), label=_("责任单位"))
    due = forms.DateField(label=_("完成期限"), help_text="YYYY-MM-DD")


def _narrow(form: ActionForm, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class FinishMeasureForm(ActionForm):
    action = Action.FINISH_MEASURE
    service = staticmethod(services.finish_measure)
    measure = forms.ModelChoiceField(queryset=Measure.objects.none(), label=_("措施"))
    evidence = forms.CharField(widget=forms.Textarea, label=_("完成情况"))

    def narrow(self) -> None:
        _narrow(self, "measure", self.problem.measures.filter(state=Measure.State.OPEN))


class NoteProgressForm(ActionForm):
    action = Action.NOTE_PROGRESS
    service = staticmethod(services.note_progress)
    text = forms.CharField(widget=forms.Textarea, label=_("进展情况"))


class HoldMeetingForm(ActionForm):
    action = Action.HOLD_MEETING
    service = staticmethod(services.hold_meeting)
    held_at = forms.DateTimeField(label=_("时间"), help_text="YYYY-MM-DD HH:MM")
    place = forms.CharField(max_length=200, label=_("地点"))
    units = forms.ModelMultipleChoiceField(queryset=_working_units(), label=_("参会单位"))
    people = forms.CharField(max_length=500, required=False, label=_("参会人员"))
    decisions = forms.CharField(widget=forms.Textarea, label=_("会议决定"))


class CallInForm(ActionForm):
    action = Action.CALL_IN
    service = staticmethod(services.call_in)
    unit = forms.ModelChoiceField(queryset=_working_units(), label=_("报到单位"))
    reason = forms.CharField(max_length=300, label=_("吹哨事由"))


class _CallForm(ActionForm):
    call = CallChoice(queryset=CallIn.objects.none(), label=_("吹哨"))

    def narrow(self) -> None:
        _narrow(self, "call", self.problem.call_ins.select_related("unit"))


class ReportInForm(_CallForm):
    action = Action.REPORT_IN
    service = staticmethod(services.report_in)
    part = forms.CharField(widget=forms.Textarea, label=_("承担工作"))


class ReportDoneForm(_CallForm):
    action = Action.REPORT_DONE
    service = staticmethod(services.report_done)
    result = forms.CharField(widget=forms.Textarea, label=_("办理情况"))


class ResolveForm(ActionForm):
    action = Action.RESOLVE
    service = staticmethod(services.resolve_problem)
    note = forms.CharField(widget=forms.Textarea, label=_("说明"))


class VerifyForm(ActionForm):
    action = Action.VERIFY
    service = staticmethod(services.verify_problem)


class RecurForm(ActionForm):
    action = Action.RECUR
    service = staticmethod(services.recur_problem)

    def clean(self) -> dict[str, Any]:
        return {"order": None}  # by hand: the order that tipped it, if any, is linked on its own


FORMS: dict[Action, type[ActionForm]] = {
    f.action: f
    for f in [
        AcceptForm,
        RejectForm,
        StartForm,
        LinkOrderForm,
        UnlinkOrderForm,
        AddMeasureForm,
        FinishMeasureForm,
        NoteProgressForm,
        HoldMeetingForm,
        CallInForm,
        ReportInForm,
        ReportDoneForm,
        ResolveForm,
        VerifyForm,
        RecurForm,
    ]
}
assert set(FORMS) == set(Action) - {Action.PROPOSE}, "every action after proposing has a form"
