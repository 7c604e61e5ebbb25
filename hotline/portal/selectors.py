"""What a citizen may read of an order: found by its number and the phone it was registered
with, and only the steps that concern the citizen (no staff names, no internal notes)."""

import hmac

from django.utils.translation import gettext_lazy as _

from hotline.core.errors import InvalidInput
from hotline.orders.models import Event, WorkOrder
from hotline.orders.validation import clean_phone
from hotline.orders.workflow import Action

PUBLIC_STEPS = {
    Action.REGISTER: _("诉求已受理"),
    Action.DISPATCH: _("已转交承办单位"),
    Action.REASSIGN: _("已改由其他单位承办"),
    Action.ACCEPT: _("承办单位已签收"),
    Action.RECORD_CONTACT: _("承办单位已与您联系"),
    Action.STAGE_REPLY: _("承办单位反馈了办理进展"),
    Action.APPROVE_EXTENSION: _("办理时限已延长"),
    Action.APPROVE_REPLY: _("已答复办理结果"),
    Action.VISIT: _("已回访评价"),
    Action.REOPEN: _("已重新交办"),
    Action.ANSWER_ON_THE_SPOT: _("已直接答复"),
    Action.CLOSE: _("已办结"),
    Action.MERGE: _("与相同诉求合并办理"),
}


def order_for_citizen(number: str, phone: str) -> WorkOrder | None:
    """The order with this number if it was registered with this phone, else None (the same
    answer for a wrong number and a wrong phone, so numbers cannot be probed)."""
    try:
        phone = clean_phone(phone)
    except InvalidInput:
        return None
    order = WorkOrder.objects.select_related("unit").filter(number=number.strip()).first()
    if order is None or not phone or not hmac.compare_digest(order.caller_phone, phone):
        return None
    return order


def public_steps(order: WorkOrder) -> list[tuple[Event, str]]:
    events = (
        order.events.filter(action__in=list(PUBLIC_STEPS)).select_related("unit").order_by("seq")
    )
    return [(e, str(PUBLIC_STEPS[Action(e.action)])) for e in events]
