"""Showing a citizen's personal data, and recording that it was shown."""

from hotline.core import clock
from hotline.orders.models import WorkOrder
from hotline.orders.selectors import visible_caller
from hotline.org.models import User

from .models import PersonalDataAccess


def reveal_caller(
    user: User, order: WorkOrder, *, channel: str, purpose: str = "办理工单"
) -> tuple[str, str]:
    """The caller's (name, phone) as ``user`` may see them (``visible_caller``); when that is the
    full phone number, the view is recorded in the append-only audit log first."""
    name, phone = visible_caller(user, order)
    if phone and phone == order.caller_phone:
        PersonalDataAccess.objects.create(
            at=clock.now(),
            user=user,
            order=order,
            what="来电人姓名、电话",
            purpose=purpose,
            channel=channel,
        )
    return name, phone


def record_export(user: User, *, count: int, purpose: str) -> PersonalDataAccess:
    """An export with the callers' phones in full: one record for the whole file."""
    return PersonalDataAccess.objects.create(
        at=clock.now(),
        user=user,
        order=None,
        channel="export",
        purpose=purpose,
        what=f"导出 {count:,} 个工单的来电人电话",
    )


def record_admin_view(user: User, *, order: WorkOrder | None, what: str) -> PersonalDataAccess:
    """An administrator's page that showed personal data in full (an order, or a list when
    ``order`` is None)."""
    return PersonalDataAccess.objects.create(
        at=clock.now(), user=user, order=order, channel="admin", purpose="系统管理", what=what[:100]
    )
