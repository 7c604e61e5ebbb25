"""Lifecycle actions on the order page: one form per action the user may take now.

The fields, their checks and the service each action calls come from the API's action table
(``hotline.api.orders.ACTIONS``), so a person and another system are held to the same rules.
This module only turns that table into form fields and form posts into its typed bodies.
"""

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError

from hotline.api.orders import ACTIONS
from hotline.orders.models import WorkOrder
from hotline.orders.workflow import Action
from hotline.org.models import Unit, User
from hotline.org.permissions import StrOrPromise
from hotline.org.selectors import dispatch_targets

LABELS = {
    "note": _("说明"),
    "reason": _("理由"),
    "answer": _("答复内容"),
    "article": _("引用知识"),
    "category_code": _("分类代码"),
    "order_type": _("诉求类型"),
    "urgency": _("紧急程度"),
    "address": _("地址"),
    "area": _("区域"),
    "unit": _("承办单位"),
    "cohandlers": _("协办单位"),
    "sub_unit": _("下派单位"),
    "way": _("联系方式"),
    "days": _("延期天数（工作日）"),
    "text": _("进展情况"),
    "result": _("办理结果"),
    "solved": _("问题已解决"),
    "resolved": _("问题已解决"),
    "satisfaction": _("满意度"),
    "master": _("主工单编号"),
    "instructions": _("督办意见"),
    "case_number": _("执法案件号"),
    "opinion": _("协办意见"),
}
LONG_TEXT = {"answer", "reason", "text", "result", "instructions", "opinion", "note"}
UNIT_FIELDS = {"unit", "sub_unit", "area", "cohandlers"}
# pydantic's error types, said in the user's language (translated when the page is rendered).
ERRORS = {
    "missing": _("必填"),
    "string_too_short": _("不能为空"),
    "string_pattern_mismatch": _("不能为空"),
    "int_parsing": _("请填写整数"),
    "int_type": _("请填写整数"),
    "less_than_equal": _("超出允许范围"),
    "greater_than_equal": _("超出允许范围"),
    "enum": _("请从选项中选择"),
    "bool_type": _("请选择"),
}


@dataclass
class FormField:
    name: str
    label: StrOrPromise
    kind: str  # text | textarea | checkbox | select | multiselect
    required: bool
    choices: list[tuple[str, str]] = field(default_factory=list)


def _base(annotation: object) -> object:
    """``Satisfaction`` of ``Satisfaction | None``, ``int`` of ``Annotated[int, Strict()]``."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        return _base(next(a for a in typing.get_args(annotation) if a is not type(None)))
    return annotation


def _kind(name: str, annotation: object) -> tuple[str, list]:
    if name in UNIT_FIELDS:
        return ("multiselect" if name == "cohandlers" else "select"), []
    base = _base(annotation)
    if isinstance(base, type) and issubclass(base, Enum):
        return "select", [(m.value, getattr(m, "label", m.value)) for m in base]
    if base is bool:
        return "checkbox", []
    return ("textarea" if name in LONG_TEXT else "text"), []


def _unit_choices(name: str, order: WorkOrder, user: User) -> list[tuple[str, str]]:
    if name == "sub_unit":
        units = (
            Unit.objects.filter(path__startswith=order.unit.path).exclude(pk=order.unit.pk)
            if order.unit
            else Unit.objects.none()
        )
    elif name == "area":
        units = Unit.objects.filter(
            kind__in=[Unit.Kind.DISTRICT, Unit.Kind.STREET, Unit.Kind.COMMUNITY]
        )
    else:
        units = dispatch_targets(user.unit)
    return [(str(u.pk), u.name) for u in units.filter(active=True).order_by("path")]


def form_fields(action: Action, order: WorkOrder, user: User) -> list[FormField]:
    schema = ACTIONS[action][0]
    fields = []
    for name, info in schema.model_fields.items():
        if name == "version":
            continue
        kind, choices = _kind(name, info.annotation)
        if name in UNIT_FIELDS:
            choices = _unit_choices(name, order, user)
        fields.append(FormField(name, LABELS.get(name, name), kind, info.is_required(), choices))
    return fields


def parse(
    action: Action, post: QueryDict, version: int
) -> tuple[dict | None, dict[str, StrOrPromise]]:
    """The service's keyword arguments from a form post, or the errors by field (in the user's
    language)."""
    schema = ACTIONS[action][0]
    data: dict = {"version": version}
    for name, info in schema.model_fields.items():
        if name == "version":
            continue
        kind = _kind(name, info.annotation)[0]
        if kind == "checkbox":
            data[name] = post.get(name) in ("on", "1", "true")
        elif kind == "multiselect":
            data[name] = [int(v) for v in post.getlist(name) if v.isdigit()]
        elif (raw := post.get(name, "")) != "" or info.is_required():
            data[name] = (
                int(raw) if _base(info.annotation) is int and raw.strip().isdigit() else raw
            )
    try:
        body = schema.model_validate(data).dict()
    except ValidationError as error:
        return None, {
            str(e["loc"][-1]) if e["loc"] else "": ERRORS.get(e["type"], e["msg"])
            for e in error.errors()
        }
    body.pop("version")
    return body, {}


# Actions whose form also takes photos or documents (the result of the work, shown to the centre).
WITH_FILES = {Action.REPLY, Action.STAGE_REPLY, Action.RECORD_CONTACT, Action.ATTACH}


def run(
    action: Action,
    order: WorkOrder,
    user: User,
    body: dict,
    *,
    expected_version: int,
    files: Sequence[UploadedFile] = (),
) -> WorkOrder:
    """Take the action through its service, with the version the page showed and its files."""
    _, arguments, service = ACTIONS[action]
    return service(
        order=order, actor=user, expected_version=expected_version, files=files, **arguments(body)
    )
