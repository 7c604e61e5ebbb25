"""While the database cannot be reached every request gets a clear 503 with ``Retry-After`` (JSON
on the API and Open311, a short page on the console), never a 500, and nothing is written: the
same call once the database is back registers its order once.

The connection really fails: the test points Django's connection at a database that does not
exist (a missing folder on SQLite, a closed port on PostgreSQL) and sets the open one aside.
"""

import pytest
from django.db import connection
from django.test import Client

from hotline.api.services import create_token
from hotline.orders.models import WorkOrder
from hotline.triage.models import ModelVersion
from tests.factories import City
from tests.faults.servers import CALL, free_port

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


class Database:
    """The test's database connection, which ``cut_off`` points at nowhere and ``restore`` back."""

    def __init__(self) -> None:
        self.saved = None

    def cut_off(self) -> None:
        self.saved = connection.settings_dict, connection.connection
        elsewhere = (
            {"NAME": "/nonexistent/hotline/hotline.sqlite3"}
            if connection.vendor == "sqlite"
            else {"HOST": "127.0.0.1", "PORT": str(free_port())}
        )
        connection.settings_dict = self.saved[0] | elsewhere
        connection.connection = (
            None  # set aside, not closed: SQLite's test database lives in memory
        )

    def restore(self) -> None:
        if self.saved is not None:
            connection.settings_dict, connection.connection = self.saved
            self.saved = None


@pytest.fixture
def database():
    cut = Database()
    yield cut
    cut.restore()


@pytest.fixture
def client():
    # Django's test client raises a request's exception again in the test: a server does not.
    return Client(raise_request_exception=False)


@pytest.fixture
def bearer(city: City):
    return {"HTTP_AUTHORIZATION": f"Bearer {create_token(user=city.operator)}"}


def _unavailable(response, content_type: str):
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "5" and response["Content-Type"].startswith(content_type)
    assert int(response["Content-Length"]) == len(response.content)
    return response.content.decode()


def test_a_keyed_api_call_gets_a_json_503_with_a_message_and_retry_after(
    client, bearer, database
) -> None:
    database.cut_off()
    response = client.post(
        "/api/v1/orders", CALL, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1", **bearer
    )
    _unavailable(response, "application/json")
    assert (
        response.json()["code"] == "database_unavailable"
        and "数据库暂时不可用" in response.json()["message"]
    )


def test_an_api_read_gets_the_same_json_503(client, bearer, database) -> None:
    database.cut_off()
    response = client.get("/api/v1/orders", **bearer)
    _unavailable(response, "application/json")
    assert response.json()["code"] == "database_unavailable"


def test_the_call_sent_again_once_the_database_is_back_registers_its_order_once(
    client, bearer, database, model_in_use: ModelVersion
) -> None:
    database.cut_off()
    refused = client.post(
        "/api/v1/orders", CALL, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1", **bearer
    )
    assert refused.status_code == 503
    database.restore()
    assert not WorkOrder.objects.exists()
    again = client.post(
        "/api/v1/orders", CALL, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1", **bearer
    )
    assert (
        again.status_code == 201 and "Idempotent-Replay" not in again.headers
    )  # the 503 was not kept as the answer
    assert list(WorkOrder.objects.values_list("number", flat=True)) == [again.json()["number"]]


def test_a_console_page_gets_a_plain_503_page(client, city: City, database) -> None:
    client.force_login(city.operator)
    database.cut_off()
    page = _unavailable(client.get("/orders/"), "text/html")
    assert (
        "系统暂时不可用（503）" in page and "数据库暂时不可用" in page and "Traceback" not in page
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_gets_its_own_error_document_with_a_503(client, database, fmt) -> None:
    database.cut_off()
    body = _unavailable(
        client.get(f"/open311/v2/requests.{fmt}"),
        {"json": "application/json", "xml": "text/xml"}[fmt],
    )
    assert "503" in body and "数据库暂时不可用" in body
