"""Each lifecycle action called through its real service with valid arguments.

Shared by the tests that walk every action for every role: ``CALLS[action](scene, order, actor)``
takes the action on ``order`` as ``actor`` (None: the system), and ``snapshot`` captures what a
refused action must leave untouched.
"""

from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.orders import services
from hotline.orders.models import Event, WorkOrder
from hotline.orders.workflow import Action
from hotline.org.models import Unit, User
from hotline.org.roles import Role
from tests.factories import City

A = Action
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 100

# The people of the matrix; SYSTEM stands for actor=None where a service takes it.
ROLES = [
    Role.OPERATOR,
    Role.DISPATCHER,
    Role.HANDLER,
    Role.LEAD,
    Role.VISITOR,
    Role.SUPERVISOR,
    Role.ADMIN,
    Role.SYSTEM,
]
SYSTEM_ACTIONS = frozenset({A.URGE, A.SUPERVISE})


@dataclass
class Scene:
    city: City
    co_unit: Unit  # the co-handling unit orders are dispatched with
    master: WorkOrder | None = None  # an open order to merge duplicates into

    @property
    def unit(self) -> Unit:
        """The responsible unit of the orders ``factories.order_in`` makes."""
        return self.city.streets[0]

    def actor(self, role: Role, action: Action) -> User | None:
        """Who takes ``action`` in ``role``: unit staff of the responsible unit (of the co-handling
        unit for ``assist``), everyone else at the centre, None for the system."""
        if role == Role.SYSTEM:
            return None
        if role in (Role.HANDLER, Role.LEAD):
            return self.city.staff(role, self.co_unit if action == A.ASSIST else self.unit)
        return self.city.staff(role, self.city.centre)


CALLS = {
    A.ANSWER_ON_THE_SPOT: lambda s, o, a: services.answer_on_the_spot(
        order=o, actor=a, answer="垃圾清运时间为每天早晚两次", article="KB-001"
    ),
    A.REVIEW: lambda s, o, a: services.review_order(
        order=o, actor=a, urgency="urgent", note="核实"
    ),
    A.DISPATCH: lambda s, o, a: services.dispatch_order(order=o, actor=a),
    A.REASSIGN: lambda s, o, a: services.reassign_order(
        order=o, actor=a, unit=s.city.streets[1], reason="地址属于东城2街道"
    ),
    A.ACCEPT: lambda s, o, a: services.accept_order(order=o, actor=a),
    A.REQUEST_RETURN: lambda s, o, a: services.request_return(
        order=o, actor=a, reason="不属于本单位职责"
    ),
    A.APPROVE_RETURN: lambda s, o, a: services.approve_return(order=o, actor=a),
    A.REJECT_RETURN: lambda s, o, a: services.reject_return(
        order=o, actor=a, reason="属于本单位职责"
    ),
    A.PASS_DOWN: lambda s, o, a: services.pass_down(order=o, actor=a, sub_unit=s.city.team),
    A.RECORD_CONTACT: lambda s, o, a: services.record_contact(order=o, actor=a, way="电话"),
    A.REQUEST_EXTENSION: lambda s, o, a: services.request_extension(
        order=o, actor=a, days=3, reason="需协调物业"
    ),
    A.APPROVE_EXTENSION: lambda s, o, a: services.approve_extension(order=o, actor=a),
    A.DENY_EXTENSION: lambda s, o, a: services.deny_extension(
        order=o, actor=a, reason="时限内可办结"
    ),
    A.STAGE_REPLY: lambda s, o, a: services.stage_reply(
        order=o, actor=a, text="已联系物业，本周内清运"
    ),
    A.REPLY: lambda s, o, a: services.reply_order(
        order=o, actor=a, result="已清运完毕", solved=True
    ),
    A.APPROVE_REPLY: lambda s, o, a: services.approve_reply(order=o, actor=a),
    A.REJECT_REPLY: lambda s, o, a: services.reject_reply(
        order=o, actor=a, reason="回复内容不完整"
    ),
    A.VISIT: lambda s, o, a: services.visit_order(
        order=o, actor=a, resolved=True, satisfaction="satisfied"
    ),
    A.REOPEN: lambda s, o, a: services.reopen_order(order=o, actor=a, reason="市民表示仍未清运"),
    A.CLOSE: lambda s, o, a: services.close_order(order=o, actor=a, reason="市民拒绝回访"),
    A.MERGE: lambda s, o, a: services.merge_order(order=o, actor=a, master=s.master),
    A.CANCEL: lambda s, o, a: services.cancel_order(order=o, actor=a, reason="测试电话"),
    A.URGE: lambda s, o, a: services.urge_order(order=o, actor=a, note="请尽快处理"),
    A.SUPERVISE: lambda s, o, a: services.supervise_order(
        order=o, actor=a, instructions="主要领导督办"
    ),
    A.CONVERT_TO_CASE: lambda s, o, a: services.convert_to_case(
        order=o, actor=a, case_number="ZF-2026-001"
    ),
    A.ASSIST: lambda s, o, a: services.assist_order(order=o, actor=a, opinion="已安排协助清运"),
    A.ATTACH: lambda s, o, a: services.attach_files(
        order=o, actor=a, files=[SimpleUploadedFile("现场.png", PNG, "image/png")]
    ),
}
assert set(CALLS) == set(Action) - {A.REGISTER}, "every action on an existing order has a call"


def snapshot(order: WorkOrder) -> tuple:
    """Everything an action could change: the order's row and co-handlers, and the row counts."""
    return (
        WorkOrder.objects.filter(pk=order.pk).values().get(),
        sorted(
            WorkOrder.cohandlers.through.objects.filter(workorder_id=order.pk).values_list(
                "unit_id", flat=True
            )
        ),
        WorkOrder.objects.count(),
        Event.objects.count(),
    )
