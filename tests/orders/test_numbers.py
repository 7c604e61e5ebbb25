from datetime import date

import pytest
from django.db import connection

from hotline.orders.models import WorkOrder
from hotline.orders.numbers import next_number, reserve_through
from tests import factories


def test_numbers_are_the_day_and_a_sequence_that_runs_per_day(db):
    assert [
        next_number(date(2026, 5, 1)),
        next_number(date(2026, 5, 1)),
        next_number(date(2026, 5, 2)),
    ] == ["2026050100001", "2026050100002", "2026050200001"]


def test_numbers_continue_after_those_reserved_by_a_bulk_write(db):
    reserve_through([(date(2026, 5, 1), 41)])
    assert next_number(date(2026, 5, 1)) == "2026050100042"


def test_a_bulk_write_after_the_days_first_registration_still_moves_later_numbers_past_it(db):
    assert next_number(date(2026, 5, 1)) == "2026050100001"
    reserve_through([(date(2026, 5, 1), 90)])
    assert next_number(date(2026, 5, 1)) == "2026050100091"


def test_a_reservation_below_numbers_already_given_changes_nothing(db):
    for _ in range(3):
        next_number(date(2026, 5, 1))
    reserve_through([(date(2026, 5, 1), 2)])
    assert next_number(date(2026, 5, 1)) == "2026050100004"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps the day counter row")
def test_a_days_sequence_starts_after_orders_already_numbered_that_day(city):
    order = factories.register(city)
    WorkOrder.objects.filter(pk=order.pk).update(number="2026050100077")
    assert next_number(date(2026, 5, 1)) == "2026050100078"
