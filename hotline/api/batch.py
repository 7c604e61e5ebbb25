"""Registering several orders in one request (批量登记), as another platform or a branch centre
forwards them. Its own router, mounted before ``/orders`` so that ``batch`` is not taken for an
order number."""

from ninja import Field, Router, Schema, Status

from hotline.orders.services import MAX_BATCH, register_batch
from hotline.org.permissions import Capability, requires
from hotline.org.requests import StaffRequest

from .orders import OrderIn, Registered, summary
from .schemas import answers

router = Router(tags=["orders"])


class BatchIn(Schema):
    orders: list[OrderIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class RegisteredBatch(Schema):
    count: int
    items: list[Registered]


@router.post(
    "",
    response=answers(201, RegisteredBatch),
    summary=f"批量登记（1 至 {MAX_BATCH} 个工单，全部登记或全部不登记）",
)
@requires(Capability.REGISTER)
def register_many(request: StaffRequest, body: BatchIn) -> Status:
    """Each order with its suggestions, all in one transaction; a refused one is named by its
    position (``orders.3.address``) and nothing is registered."""
    requests = [
        item.dict() | {"order_type": item.order_type or "", "urgency": item.urgency or ""}
        for item in body.orders
    ]
    registered = register_batch(actor=request.user, requests=requests)
    return Status(
        201,
        {
            "count": len(registered),
            "items": [summary(o) | {"suggestions": o.suggestions} for o in registered],
        },
    )
