"""A real Open311 client (the ``georeport`` package from PyPI) against a real server on loopback."""

import pytest
from georeport import GeoReport
from pytest_django.live_server_helper import LiveServer

from hotline.orders.workflow import Status
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_real_client_lists_services_and_reads_requests(
    live_server: LiveServer, city: City, fmt
) -> None:
    open_order = factories.order_in(Status.DISPATCHED, city)
    closed_order = factories.order_in(Status.CLOSED, city)
    client = GeoReport(f"{live_server.url}/open311/v2", output_format=fmt)

    services = client.get_service_list()
    assert len(services) == 60 and services[0]["service_code"] == "01.01"
    assert client.get_service_definition("04.03")["service_code"] == "04.03"

    listed = client.get_service_requests()
    listed = listed if isinstance(listed, list) else [listed]
    assert {r["service_request_id"] for r in listed} == {open_order.number, closed_order.number}

    one = client.get_service_request(closed_order.number)
    assert (one["service_request_id"], one["status"], one["agency_responsible"]) == (
        closed_order.number,
        "closed",
        city.streets[0].name,
    )
