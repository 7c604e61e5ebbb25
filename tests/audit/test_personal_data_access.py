"""Every view of a caller's unmasked phone is recorded; the record cannot be changed."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from hotline.api.services import create_token
from hotline.audit.models import PersonalDataAccess
from hotline.orders.workflow import Status
from hotline.org.models import User
from tests import factories
from tests.factories import City

pytestmark = pytest.mark.django_db


def test_the_centre_opening_an_order_page_is_recorded(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.dispatcher)
    client.get(f"/orders/{order.number}/")
    record = PersonalDataAccess.objects.get()
    assert (record.user, record.order, record.channel, record.what) == (
        city.dispatcher,
        order,
        "web",
        "来电人姓名、电话",
    )


def test_a_unit_seeing_the_masked_phone_is_not_a_personal_data_view(
    city: City, client: Client
) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.handler())
    assert "138****5678" in client.get(f"/orders/{order.number}/").content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_reading_an_order_through_the_api_is_recorded(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.get(
        f"/api/v1/orders/{order.number}",
        headers={"Authorization": f"Bearer {create_token(user=city.dispatcher)}"},
    )
    assert PersonalDataAccess.objects.get().channel == "api"


def test_a_confidential_reporter_is_never_shown_so_nothing_is_recorded(
    city: City, client: Client
) -> None:
    order = factories.order_in(Status.DISPATCHED, city, confidential=True)
    client.force_login(city.dispatcher)
    assert "13812345678" not in client.get(f"/orders/{order.number}/").content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_the_audit_log_is_append_only(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.dispatcher)
    client.get(f"/orders/{order.number}/")
    record = PersonalDataAccess.objects.get()
    for change in (
        lambda: record.save(),
        lambda: record.delete(),
        lambda: PersonalDataAccess.objects.update(purpose="x"),
        lambda: PersonalDataAccess.objects.all().delete(),
    ):
        with pytest.raises(TypeError, match="append-only"):
            change()


def test_admins_read_the_audit_log(city: City, client: Client, admin_user: User) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.dispatcher)
    client.get(f"/orders/{order.number}/")
    client.force_login(admin_user)
    page = client.get("/admin/audit/personaldataaccess/")
    assert page.status_code == 200 and order.number in page.content.decode()


def _refused_by_the_database(sql: str) -> None:
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def test_the_database_itself_refuses_to_change_an_audit_record(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.dispatcher)
    client.get(f"/orders/{order.number}/")
    _refused_by_the_database("UPDATE audit_personaldataaccess SET purpose = 'covered up'")
    assert PersonalDataAccess.objects.get().purpose == "办理工单"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite's flush deletes rows, so only PostgreSQL refuses",
)
def test_the_database_itself_refuses_to_delete_an_audit_record(city: City, client: Client) -> None:
    order = factories.order_in(Status.DISPATCHED, city)
    client.force_login(city.dispatcher)
    client.get(f"/orders/{order.number}/")
    _refused_by_the_database("DELETE FROM audit_personaldataaccess")
    assert PersonalDataAccess.objects.count() == 1
