"""What a client names by its id or number, found or refused as bad input (422) naming the field.
A missing row and one of the wrong kind look alike to the client: both are input to correct."""

from typing import TypeVar

from django.db.models import Model, QuerySet

from hotline.core.errors import InvalidInput
from hotline.orders.models import WorkOrder
from hotline.org.models import Unit

Row = TypeVar("Row", bound=Model)


def one(rows: QuerySet[Row], pk: int, field: str, what: str) -> Row:
    """The row ``pk`` of ``rows``; InvalidInput on ``field`` when there is none."""
    found = rows.filter(pk=pk).first()
    if found is None:
        raise InvalidInput({field: f"没有编号为 {pk} 的{what}"})
    return found


def unit_by_id(pk: int, field: str) -> Unit:
    return one(Unit.objects.all(), pk, field, "单位")


def order_by_number(number: str, field: str) -> WorkOrder:
    # PostgreSQL refuses a NUL in a query (a server error); no number has one.
    order = WorkOrder.objects.filter(number=number).first() if "\x00" not in number else None
    if order is None:
        raise InvalidInput({field: f"没有工单 {number}"})
    return order
