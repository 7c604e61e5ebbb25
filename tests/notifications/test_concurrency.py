"""Two workers delivering at once send each message once (PostgreSQL: SKIP LOCKED claims)."""

import pytest
from django.db import connection

from hotline.notifications.models import Message
from hotline.notifications.services import deliver_due
from tests import factories
from tests.factories import City
from tests.orders.threads import run_together

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_workers_draining_the_outbox_at_once_send_every_message_once(
    city: City, outbox: list[dict]
) -> None:
    for i in range(40):
        factories.register(city, caller_phone=f"138000000{i:02d}")
    results = run_together([lambda: deliver_due(limit=7) for _ in range(4)] * 2)
    while sum(deliver_due(limit=50).values()):
        pass
    assert sum(r["sent"] for r in results) > 0
    assert sorted(m["to"] for m in outbox) == sorted(f"138000000{i:02d}" for i in range(40))
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}
