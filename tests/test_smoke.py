from hotline.orders import services
from hotline.orders.workflow import Status
from tests import factories
from tests.factories import City


def test_an_order_lives_from_registration_to_close(city: City) -> None:
    o = factories.order_in(Status.CLOSED, city)
    assert o.status == Status.CLOSED
    assert [e.action for e in o.events.order_by("seq")] == [
        "register",
        "dispatch",
        "accept",
        "reply",
        "approve_reply",
        "visit",
    ]
    assert o.unit == city.streets[0]
    o = services.reopen_order(order=o, actor=city.visitor, reason="不满意")
    assert o.status == Status.DISPATCHED and o.reopen_count == 1
